"""Template helpers of the portal: roles for the navigation, states in plain words."""

from django import template

from accounts import roles
from portal.presentation import state_words
from workflows.models import ApplicationState

register = template.Library()


@register.filter
def has_committee_access(user) -> bool:
    """Whether the committee pages are for ``user`` (Secretariat, Reviewers, Executive Committee)."""
    return roles.has_committee_role(user)


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


@register.filter
def is_secretariat(user) -> bool:
    """Whether the secretariat's pages (change requests) are for ``user``."""
    return roles.is_secretariat(user)
