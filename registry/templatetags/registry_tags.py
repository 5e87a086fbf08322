from django import template

from registry.models import MembershipCategory

register = template.Library()


@register.filter
def category_label(value: str) -> str:
    """The readable name of a membership category code ("full" → "Full member")."""
    try:
        return MembershipCategory(value).label
    except ValueError:
        return value
