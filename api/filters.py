"""The affiliate list's query parameters, validated; each invalid value is a 400 naming its field."""

import datetime
from typing import Any

from django import forms
from django.core.signals import setting_changed
from django.core.validators import ProhibitNullCharactersValidator
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.forms import AsOfField
from registry.models import MembershipCategory, Region

from .pagination import (
    DEFAULT_ORDERING,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ORDERINGS,
    InvalidCursor,
    decode_cursor,
)

FEED_DEFAULT_LIMIT = 100

# The API's fixed values are written into the messages, so each message stays lazily translated.
PAGE_SIZE_MESSAGE = _("Use a whole number from 1 to 500.")


def query_shape_errors(query_params, *, parameters: dict[str, bool]) -> dict[str, list[str]]:
    """A 400's details for a query string the schema forbids: ``parameters`` maps each documented
    parameter to whether it may be empty (a free text) or not (a code, a number, an enumeration).
    Each is given at most once: a repeated one would be read as only one of its values."""
    errors: dict[str, list[str]] = {}
    for name, may_be_empty in parameters.items():
        values = query_params.getlist(name)
        if len(values) > 1:
            errors[name] = [str(_("Give this parameter once."))]
        elif values and not values[0] and not may_be_empty:
            errors[name] = [str(_("This parameter may not be empty; leave it out instead."))]
    return errors


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
                return self._in_utc(moment)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def _in_utc(self, moment: datetime.datetime) -> datetime.datetime:
        """The moment in UTC: the database compares it as is, and PostgreSQL refuses offsets beyond
        ±15:59 that ISO 8601 (and Python) allow. A moment UTC cannot hold (before year 1) is invalid."""
        if timezone.is_naive(moment):
            return timezone.make_aware(moment, datetime.UTC)
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class QueryForm(forms.Form):
    """A query string checked against ``PARAMETERS`` (each documented parameter → may it be empty)."""

    PARAMETERS: dict[str, bool] = {}

    def errors_by_field(self) -> dict[str, list[str]]:
        """The 400's details: the query string's shape first (empty, repeated), then the values."""
        shape = query_shape_errors(self.data, parameters=self.PARAMETERS)
        values = {field: [str(message) for message in messages] for field, messages in self.errors.items()}
        return {**values, **shape}

    def is_valid(self) -> bool:
        return super().is_valid() and not query_shape_errors(self.data, parameters=self.PARAMETERS)


class AsOfQueryForm(QueryForm):
    """``as_of``: the directory at the end of that day (UTC), read from its history (``registry.history``)."""

    PARAMETERS = {"as_of": False}

    as_of = AsOfField(required=False)


class AffiliateQueryForm(AsOfQueryForm):
    """Filters, ordering and paging of ``GET /api/v1/affiliates/``, exactly as the schema declares
    them: codes and enumerations are refused empty or repeated (``PARAMETERS``)."""

    # Each parameter → whether it may be empty (free text, an opaque cursor). ``format`` is read by
    # DRF's content negotiation; it is checked here with the others.
    PARAMETERS = {
        "region": False,
        "country": False,
        "category": False,
        "q": True,
        "updated_since": False,
        "ordering": False,
        "page_size": False,
        "cursor": True,
        "format": False,
        "as_of": False,
    }

    region = forms.CharField(required=False, max_length=20, strip=False)
    country = forms.CharField(required=False, max_length=10, strip=False)
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any string is a cursor to the schema: one with a NUL is no page (404), not a bad request.
        field = self.fields["cursor"]
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"]
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
        code = self.cleaned_data["country"]
        if not code:
            return None
        if len(code) != 2 or code not in countries or not code.isupper():
            raise forms.ValidationError(
                _(
                    "Unknown country code '%(value)s'. Use an ISO 3166-1 alpha-2 code in capitals, such as KE."
                ),
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
        """A cursor that cannot be used (forged, broken, made for another ordering) points to no
        page: ``cursor_error`` says why, and the view answers 404 as for any page that does not
        exist. Any string is a cursor to the schema; only the server knows which pages exist."""
        cleaned = super().clean()
        raw = cleaned.get("cursor")
        self.cursor_error = None
        cleaned["cursor"] = None
        if raw and "ordering" in cleaned:
            try:
                cleaned["cursor"] = decode_cursor(raw, ordering=cleaned["ordering"])
            except InvalidCursor as exc:
                self.cursor_error = str(exc)
        return cleaned

    @property
    def filters(self) -> dict:
        """The keyword arguments of ``registry.selectors.affiliate_rows``."""
        return affiliate_filters(self.cleaned_data)


def affiliate_filters(data: dict) -> dict:
    """The keyword arguments of ``registry.selectors.affiliate_rows`` out of a valid query's values."""
    return {
        "region": data["region"],
        "country": data["country"],
        "category": data["category"] or None,
        "search": data["q"] or None,
        "updated_since": data["updated_since"],
    }


class KnownAffiliateQuery:
    """A valid affiliate query read before from the same query string (``affiliate_query``)."""

    cursor_error = None

    def __init__(self, cleaned_data: dict):
        self.cleaned_data = cleaned_data
        self.filters = affiliate_filters(cleaned_data)

    def is_valid(self) -> bool:
        return True


# Query string → the values of a valid query that depend on that string alone.
_known_queries: dict[str, dict] = {}
KNOWN_QUERIES = 512


def affiliate_query(query_params, query_string: str) -> AffiliateQueryForm | KnownAffiliateQuery:
    """``AffiliateQueryForm(query_params)``, or the values it gave for the same ``query_string``.

    Validating the form (its fields copied, each cleaned) costs more than the page's query on a
    repeated request. Only what the string alone decides is kept: valid, without a region (its
    code is looked up) and without ``as_of`` (the directory's history); a bad query is validated
    again each time, so its 400 or 404 speaks the request's language."""
    if (cleaned := _known_queries.get(query_string)) is not None:
        return KnownAffiliateQuery(cleaned)
    form = AffiliateQueryForm(query_params)
    if form.is_valid() and form.cursor_error is None:
        cleaned = form.cleaned_data
        if cleaned["region"] is None and cleaned["as_of"] is None:
            if len(_known_queries) >= KNOWN_QUERIES:
                _known_queries.clear()
            _known_queries[query_string] = dict(cleaned)
    return form


@receiver(setting_changed)
def _forget_known_queries(**kwargs) -> None:
    _known_queries.clear()


FEED_LIMIT_MESSAGE = _("Use a whole number from 1 to 500.")
AFTER_MESSAGE = _("Use the id of the last event you read: a whole number, 0 to start from the beginning.")


class ChangeFeedQueryForm(QueryForm):
    """``GET /api/v1/changes/``: the last event read (``after``) and how many to return (``limit``)."""

    PARAMETERS = {"after": False, "limit": False}

    after = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        error_messages={"invalid": AFTER_MESSAGE, "min_value": AFTER_MESSAGE, "max_value": AFTER_MESSAGE},
    )
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        error_messages={
            "invalid": FEED_LIMIT_MESSAGE,
            "min_value": FEED_LIMIT_MESSAGE,
            "max_value": FEED_LIMIT_MESSAGE,
        },
    )

    def clean_after(self) -> int:
        return self.cleaned_data["after"] or 0

    def clean_limit(self) -> int:
        limit = self.cleaned_data["limit"]
        return FEED_DEFAULT_LIMIT if limit is None else limit


DECISIONS_PAGE_SIZE = 20
DECISIONS_MAX_PAGE_SIZE = 100
DECISIONS_PAGE_SIZE_MESSAGE = _("Use a whole number from 1 to 100.")
PAGE_MESSAGE = _("Use a whole number from 1.")


class DecisionQueryForm(QueryForm):
    """``GET /api/v1/decisions/``: one meeting's or one year's, and the page (meetings per page)."""

    PARAMETERS = {"meeting": False, "year": False, "page": False, "page_size": False, "format": False}

    meeting = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"invalid": _("Use a meeting's id: a whole number.")},
    )
    year = forms.IntegerField(
        required=False,
        min_value=1900,
        max_value=9999,
        error_messages={"invalid": _("Use a year of four digits, such as 2026.")},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        error_messages={"invalid": PAGE_MESSAGE, "min_value": PAGE_MESSAGE, "max_value": PAGE_MESSAGE},
    )
    page_size = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=DECISIONS_MAX_PAGE_SIZE,
        error_messages={
            "invalid": DECISIONS_PAGE_SIZE_MESSAGE,
            "min_value": DECISIONS_PAGE_SIZE_MESSAGE,
            "max_value": DECISIONS_PAGE_SIZE_MESSAGE,
        },
    )

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1

    def clean_page_size(self) -> int:
        size = self.cleaned_data["page_size"]
        return DECISIONS_PAGE_SIZE if size is None else size
