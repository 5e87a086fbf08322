from django import template

from registry.context_processors import contact_email
from registry.models import MembershipCategory
from registry.selectors import top_level_regions

register = template.Library()


@register.filter
def category_label(value: str) -> str:
    """The readable name of a membership category code ("full" → "Full member")."""
    try:
        return MembershipCategory(value).label
    except ValueError:
        return value


@register.simple_tag
def top_level_region_names() -> str:
    """The names of the top-level regions, by name, as one comma-separated phrase ("" if none)."""
    return ", ".join(region.localized_name for region in top_level_regions())


@register.simple_tag
def federation_contact_email() -> str:
    """The secretariat's address, for pages rendered without context processors (500.html)."""
    return contact_email()
