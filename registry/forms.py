from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Region
from .selectors import region_tree


def region_choices():
    """Regions by code, indented under their parent."""
    return [("", _("All regions"))] + [
        (region.code, "\u2003" * depth + region.name) for region, depth in region_tree()
    ]


def country_choices():
    return [("", _("All countries")), *countries]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, acronym or city"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), choices=region_choices, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"]
        return Region.objects.get(code=code) if code else None
