from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Region
from .selectors import affiliate_countries, fold_for_search, region_tree


def region_choices():
    """Regions by code, indented under their parent."""
    return [("", _("All regions"))] + [
        (region.code, "\u2003" * depth + region.localized_name) for region, depth in region_tree()
    ]


def country_choices(*, asked: str = "") -> list[tuple[str, str]]:
    """The countries that have affiliates, by their common English name (django-countries).

    ``asked`` is the code in the request: kept when it is a country without affiliates (a
    link from before its last one left), so the page answers with an empty list, not 400.
    """
    codes = set(affiliate_countries())
    if asked and countries.alpha2(asked) == asked:
        codes.add(asked)
    named = [(code, str(countries.name(code) or code)) for code in codes]
    return [("", _("All countries")), *sorted(named, key=lambda choice: fold_for_search(choice[1]))]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, acronym or city"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), choices=region_choices, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    standing = forms.ChoiceField(
        label=_("Standing"),
        required=False,
        choices=[
            ("", _("All member unions")),
            ("good", _("In good standing")),
            ("not", _("Not in good standing")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asked = str(self.data.get("country") or "") if self.is_bound else ""
        self.fields["country"].choices = country_choices(asked=asked)

    def clean_standing(self) -> bool | None:
        return {"good": True, "not": False}.get(self.cleaned_data["standing"])

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"]
        return Region.objects.get(code=code) if code else None
