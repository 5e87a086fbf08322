"""Template helpers of the portal: the navigation's places, states in plain words, dues amounts."""

from django import template

from dues.money import display, from_minor
from portal.invoices import STANDING_WORDS, invoice_item
from portal.navigation import main_places
from portal.presentation import state_words
from workflows.models import ApplicationState

register = template.Library()


@register.filter
def state_label(state: str) -> str:
    try:
        return ApplicationState(state).label
    except ValueError:
        return state


@register.filter
def state_summary(state: str) -> str:
    try:
        return state_words(state).summary
    except KeyError:
        return ""


@register.filter
def state_tone(state: str) -> str:
    try:
        return state_words(state).tone
    except KeyError:
        return ""


@register.simple_tag
def navigation_places(user) -> list:
    """The main navigation's places for ``user`` (``portal.navigation``)."""
    return main_places(user)


@register.filter
def minor(amount_minor: int, currency: str) -> str:
    """Whole minor units of ``currency`` as its amount with its decimal places (``12345|minor:"EUR"``
    → ``123.45``): the dues ledger's figures."""
    return str(from_minor(amount_minor or 0, currency))


@register.filter
def money(minor: int, currency: str) -> str:
    """``{{ invoice.open_minor|money:invoice.currency }}``: minor units as the reader writes the
    amount, with the currency's code (``1,000.00 EUR``)."""
    return display(minor, currency)


@register.filter
def standing_label(standing: str) -> str:
    """A dues standing (settled, due, overdue, arrears) in plain words."""
    words = STANDING_WORDS.get(standing)
    return str(words[0]) if words else standing


@register.filter
def standing_tone(standing: str) -> str:
    words = STANDING_WORDS.get(standing)
    return words[1] if words else ""


@register.filter(name="invoice_item")
def invoice_item_filter(invoice) -> str:
    """``{{ invoice|invoice_item }}``: what the invoice is for, with the category and band it was
    priced for (``portal.invoices.invoice_item``)."""
    return invoice_item(invoice)
