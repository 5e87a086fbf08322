"""``{% load people %}``: how pages name a person (``accounts.people.display_name``)."""

from django import template
from django.utils.html import format_html

from accounts import people

register = template.Library()


@register.filter
def display_name(user) -> str:
    """``{{ review.reviewer|display_name }}``: the full name, else the e-mail address ("" for none)."""
    if user is None:
        return ""
    return people.display_name(user)


@register.filter
def bdi(value) -> str:
    """``{{ organization.name|bdi }}``: text a person typed (a name, an acronym, a city), isolated
    with ``<bdi>`` so that a Latin name in an Arabic sentence, or an Arabic one in an English
    sentence, neither reorders the words around it nor is reordered by them. Empty stays empty."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
