"""Template helpers of the portal: the navigation's places, states in plain words."""

from django import template

from dues.money import from_minor
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
