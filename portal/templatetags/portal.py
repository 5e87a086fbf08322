"""Template helpers of the portal: the navigation's places, states in plain words."""

from django import template

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
