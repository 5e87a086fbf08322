import datetime
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import history
from .directory_pages import DirectoryCursor, InvalidCursor, decode_cursor
from .models import Region
from .selectors import affiliate_countries, fold_for_search, region_tree


def region_choices():
    """Regions by code, indented under their parent."""
    return [("", _("All regions"))] + [
        (region.code, "\u2003" * depth + region.localized_name) for region, depth in region_tree()
    ]


def country_choices(
    *, asked: str = "", countries_with_affiliates: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """The countries that have affiliates (``countries_with_affiliates``, else read: one query), by
    their common English name (django-countries).

    ``asked`` is the code in the request: kept when it is a country without affiliates (a
    link from before its last one left), so the page answers with an empty list, not 400.
    """
    codes = set(affiliate_countries() if countries_with_affiliates is None else countries_with_affiliates)
    if asked and countries.alpha2(asked) == asked:
        codes.add(asked)
    named = [(code, str(countries.name(code) or code)) for code in codes]
    return [("", _("All countries")), *sorted(named, key=lambda choice: fold_for_search(choice[1]))]


AS_OF_FORMAT_MESSAGE = _("Use a date written YYYY-MM-DD, such as 2025-01-31.")


def as_of_error(error: history.OutOfRecords) -> str:
    """The message for a date the directory cannot be given for (``registry.history.check_day``);
    the page's form says the same."""
    if error.kind == "future":
        return str(_("This date is in the future. Use today's date (UTC) or an earlier one."))
    if error.first is None:
        return str(_("The registry has no records of the directory yet."))
    return str(
        _("The registry's records begin on %(first)s. Use that date or a later one.")
        % {"first": error.first.isoformat()}
    )


class AsOfField(forms.Field):
    """A day written YYYY-MM-DD (ISO 8601's calendar date, nothing else), for ``as_of``."""

    default_error_messages = {"invalid": AS_OF_FORMAT_MESSAGE}

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        text = str(value)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, flags=re.ASCII):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None:
            try:
                history.check_day(value)
            except history.OutOfRecords as error:
                raise forms.ValidationError(as_of_error(error), code=error.kind) from None


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

    as_of = AsOfField(
        label=_("As of"),
        required=False,
        help_text=_("The directory as it was at the end of that day (UTC)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Where the page starts (``registry.directory_pages``): set by the "Next" and "Previous" links,
    # never by the search form, whose new filters start again from the first page.
    cursor = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args, countries: Iterable[str] | None = None, **kwargs):
        """``countries``: the codes of the countries that have affiliates, when the caller has them
        (``directory_pages.directory_aggregates``); else read."""
        super().__init__(*args, **kwargs)
        asked = str(self.data.get("country") or "") if self.is_bound else ""
        self.fields["country"].choices = country_choices(asked=asked, countries_with_affiliates=countries)

    def clean_standing(self) -> bool | None:
        return {"good": True, "not": False}.get(self.cleaned_data["standing"])

    def clean_cursor(self) -> DirectoryCursor | None:
        raw = self.cleaned_data["cursor"]
        if not raw:
            return None
        try:
            return decode_cursor(raw)
        except InvalidCursor:
            raise forms.ValidationError(
                _("This page link is not valid. Start again from the first page."), code="invalid_cursor"
            ) from None

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"]
        return Region.objects.get(code=code) if code else None
