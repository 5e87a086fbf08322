"""``{% load people %}``: how pages name a person (``accounts.people.display_name``)."""

from django import template

from accounts import people

register = template.Library()


@register.filter
def display_name(user) -> str:
    """``{{ review.reviewer|display_name }}``: the full name, else the e-mail address ("" for none)."""
    if user is None:
        return ""
    return people.display_name(user)
