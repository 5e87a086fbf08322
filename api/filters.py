"""The affiliate list's query parameters, validated; each invalid value is a 400 naming its field."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import MembershipCategory, Region

from .pagination import (
    DEFAULT_ORDERING,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ORDERINGS,
    InvalidCursor,
    decode_cursor,
)

# The API's fixed values are written into the messages, so each message stays lazily translated.
PAGE_SIZE_MESSAGE = _("Use a whole number from 1 to 500.")


class DateOrDateTimeField(forms.Field):
    """An ISO 8601 date-time (with or without offset; UTC if none) or date (midnight UTC)."""

    default_error_messages = {
        "invalid": _("Use an ISO 8601 date or date-time, such as 2025-01-31 or 2025-01-31T12:00:00Z.")
    }

    def to_python(self, value: Any) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        # An unencoded "+02:00" in a query string arrives as " 02:00".
        candidates = [text, "+".join(text.rsplit(" ", 1))] if "T" in text else [text]
        for candidate in candidates:
            try:
                moment = parse_datetime(candidate)
                if moment is None and (day := parse_date(candidate)) is not None:
                    moment = datetime.datetime.combine(day, datetime.time.min)
            except ValueError:
                moment = None
            if moment is not None:
                return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class AffiliateQueryForm(forms.Form):
    """Filters, ordering and paging of ``GET /api/v1/affiliates/``. Empty values mean "not given"."""

    region = forms.CharField(required=False, max_length=20)
    country = forms.CharField(required=False, max_length=10)
    category = forms.ChoiceField(
        required=False,
        choices=MembershipCategory.choices,
        error_messages={
            "invalid_choice": _("Unknown category '%(value)s'. Use one of: full, associate, observer."),
        },
    )
    q = forms.CharField(required=False, max_length=200)
    updated_since = DateOrDateTimeField(required=False)
    ordering = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in ORDERINGS],
        error_messages={
            "invalid_choice": _(
                "Unknown ordering '%(value)s'. Use one of: name, -name, admitted_on, -admitted_on, updated_at."
            ),
        },
    )
    page_size = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        error_messages={
            "invalid": PAGE_SIZE_MESSAGE,
            "min_value": PAGE_SIZE_MESSAGE,
            "max_value": PAGE_SIZE_MESSAGE,
        },
    )
    cursor = forms.CharField(required=False, max_length=1000)

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"].strip()
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(
                _("Unknown region code '%(value)s'. The codes are listed at /api/v1/regions/."),
                code="invalid_choice",
                params={"value": code},
            )
        return region

    def clean_country(self) -> str | None:
        code = self.cleaned_data["country"].strip().upper()
        if not code:
            return None
        if len(code) != 2 or code not in countries:
            raise forms.ValidationError(
                _("Unknown country code '%(value)s'. Use an ISO 3166-1 alpha-2 code, such as KE."),
                code="invalid_choice",
                params={"value": code},
            )
        return code

    def clean_ordering(self) -> str:
        return self.cleaned_data["ordering"] or DEFAULT_ORDERING

    def clean_page_size(self) -> int:
        size = self.cleaned_data["page_size"]
        return DEFAULT_PAGE_SIZE if size is None else size

    def clean(self) -> dict:
        cleaned = super().clean()
        raw = cleaned.get("cursor")
        if raw and "ordering" in cleaned:
            try:
                cleaned["cursor"] = decode_cursor(raw, ordering=cleaned["ordering"])
            except InvalidCursor as exc:
                self.add_error("cursor", forms.ValidationError(str(exc), code="invalid"))
        else:
            cleaned["cursor"] = None
        return cleaned

    @property
    def filters(self) -> dict:
        """The keyword arguments of ``registry.selectors.affiliate_rows``."""
        data = self.cleaned_data
        return {
            "region": data["region"],
            "country": data["country"],
            "category": data["category"] or None,
            "search": data["q"] or None,
            "updated_since": data["updated_since"],
        }

    def errors_by_field(self) -> dict[str, list[str]]:
        return {field: [str(message) for message in messages] for field, messages in self.errors.items()}
