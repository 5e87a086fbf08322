"""The shapes of the directory API.

The serializers here document the responses (drf-spectacular reads them); the
hot paths do not run them. ``affiliate_item`` turns one row of
``registry.selectors.affiliate_rows`` into the documented shape directly —
``tests/api/test_schema.py`` checks that both agree.
"""

import datetime
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework import serializers

from registry.feed import row_of
from registry.models import (
    REGION_NAME_LANGUAGES,
    DirectoryEventType,
    EndReason,
    MembershipCategory,
    localized_region_name,
)
from workflows.models import MotionKind


def iso_datetime(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as DRF writes date-times."""
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=4096)
def _country_name(code: str, language: str | None) -> str:
    with translation.override(language):
        return str(countries.name(code))


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in ``language`` (the active one by default; cached: resolving it is most
    of a row's cost)."""
    return _country_name(code, language or translation.get_language())


def _affiliate_shape(
    row: dict, *, country: dict, region_name: str, admitted_on, updated_at, with_email: bool
) -> dict:
    """One affiliate in the API's shape, its country, region name and dates given as they are written."""
    item = {
        "slug": row["slug"],
        "name": row["name"],
        "name_latin": row["name_latin"],
        "acronym": row["acronym"],
        "country": country,
        "region": {"code": row["region__code"], "name": region_name},
        "city": row["city"],
        "website": row["website"],
        "category": row["category"],
        "admitted_on": admitted_on,
        "in_good_standing": bool(row["in_good_standing"]),
        "updated_at": updated_at,
    }
    if with_email:
        item["email"] = row["email"]
    return item


def affiliate_item(row: dict, *, with_email: bool) -> dict:
    """One affiliate in the API's shape; ``email`` only ``with_email`` (partner requests)."""
    return _affiliate_shape(
        row,
        country={"code": row["country"], "name": country_name(row["country"])},
        region_name=localized_region_name(row, prefix="region__"),
        admitted_on=row["admitted_on"].isoformat(),
        updated_at=iso_datetime(row["updated_at"]),
        with_email=with_email,
    )


def affiliate_page_items(rows: list[dict], *, with_email: bool) -> list[dict]:
    """``affiliate_item`` of each row of a page, for ``api.renderers.ORJSONRenderer``: the same JSON,
    with the active language, its region name column and each country's name looked up once per
    page, and the dates left to orjson (a date, a date-time in UTC), which writes them as
    ``affiliate_item`` does."""
    language = translation.get_language()
    code = (language or "en").split("-")[0]
    region_name = f"region__name_{code}" if code in REGION_NAME_LANGUAGES else "region__name"
    by_code: dict[str, dict] = {}
    items = []
    for row in rows:
        if (country := by_code.get(row["country"])) is None:
            country = by_code[row["country"]] = {
                "code": row["country"],
                "name": country_name(row["country"], language),
            }
        updated_at = row["updated_at"]
        if updated_at.tzinfo is not datetime.UTC:
            updated_at = updated_at.astimezone(datetime.UTC)
        item = _affiliate_shape(
            row,
            country=dict(country),
            region_name=row.get(region_name) or row["region__name"],
            admitted_on=row["admitted_on"],
            updated_at=updated_at,
            with_email=with_email,
        )
        items.append(item)
    return items


def meeting_decisions_item(meeting, slugs: dict) -> dict:
    """One meeting's public decisions (``meetings.selectors.MeetingDecisions``) in the API's shape;
    ``slugs`` (``meetings.selectors.affiliate_slugs``) links the unions that are affiliates today."""
    return {
        "meeting": meeting.meeting_id,
        "title": meeting.title,
        "starts_at": iso_datetime(datetime.datetime.fromisoformat(meeting.starts_at)),
        "minutes_approved": meeting.minutes_approved,
        "decisions": [_decision_item(decision, slugs) for decision in meeting.decisions],
    }


def _decision_item(decision, slugs: dict) -> dict:
    key = (
        ("application", decision.application_id)
        if decision.application_id
        else ("motion", decision.motion_id)
    )
    country = {"code": decision.country, "name": country_name(decision.country)} if decision.country else None
    return {
        "kind": decision.kind,
        "decision": decision.decision,
        "category": decision.category,
        "motion_kind": decision.motion_kind,
        "organization": {
            "name": decision.organization,
            "acronym": decision.acronym,
            "country": country,
            "slug": slugs.get(key),
        },
    }


def event_item(event, *, with_email: bool) -> dict:
    """One ``registry.models.DirectoryEvent`` in the feed's shape (``registry.feed`` says how to apply it)."""
    return {
        "id": event.seq,
        "type": event.type,
        "occurred_at": iso_datetime(event.occurred_at),
        "slug": event.slug,
        "previous_slug": event.previous_slug or None,
        "affiliate": None
        if event.entry is None
        else affiliate_item(row_of(event.entry), with_email=with_email),
        "changed": event.changed,
        "membership": event.membership or None,
        "decision": event.decision,
    }


CSV_COLUMNS = [
    "slug",
    "name",
    "acronym",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "city",
    "website",
    "category",
    "admitted_on",
    "in_good_standing",
    "updated_at",
    "name_latin",  # added after the others, so that the columns' positions stay as they were
]
CSV_EMAIL_COLUMN = "email"


def csv_values(item: dict) -> list[str]:
    """An ``affiliate_item`` as one CSV row: nested objects become ``<name>_code`` / ``<name>_name``."""
    values = [
        item["slug"],
        item["name"],
        item["acronym"],
        item["country"]["code"],
        item["country"]["name"],
        item["region"]["code"],
        item["region"]["name"],
        item["city"],
        item["website"],
        item["category"],
        item["admitted_on"],
        "true" if item["in_good_standing"] else "false",
        item["updated_at"],
        item["name_latin"],
    ]
    if "email" in item:
        values.append(item["email"])
    return values


def region_items(tree, counts: dict[int, int]) -> list[dict]:
    """Regions in tree order (``registry.selectors.region_tree``) with their affiliate counts."""
    codes = {region.pk: region.code for region, _depth in tree}
    return [
        {
            "code": region.code,
            "name": region.localized_name,
            "parent": codes.get(region.parent_id),
            "affiliate_count": counts.get(region.pk, 0),
        }
        for region, _depth in tree
    ]


# --- Documentation-only serializers ---------------------------------------------------------------


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("ISO 3166-1 alpha-2 code."))
    name = serializers.CharField(
        help_text=_("Short name in the language of Accept-Language (English by default).")
    )


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Region code, as in /api/v1/regions/."))
    name = serializers.CharField(
        help_text=_(
            "In the language of Accept-Language where the secretariat gave a translation; English otherwise."
        )
    )


class AffiliateSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text=_("Stable identifier; use it in /api/v1/affiliates/{slug}/."))
    name = serializers.CharField(help_text=_("The union's name as it writes it, in any script."))
    name_latin = serializers.CharField(
        allow_blank=True,
        help_text=_("The name in Latin script, for a name written in another; empty string if none."),
    )
    acronym = serializers.CharField(allow_blank=True, help_text=_("Empty string if none."))
    country = CountrySerializer()
    region = RegionRefSerializer(help_text=_("The most specific region (a sub-region where there is one)."))
    city = serializers.CharField(allow_blank=True, help_text=_("Empty string if unknown."))
    website = serializers.CharField(allow_blank=True, help_text=_("A URL, or an empty string if none."))
    category = serializers.ChoiceField(choices=MembershipCategory.choices)
    admitted_on = serializers.DateField(help_text=_("Date the membership began."))
    in_good_standing = serializers.BooleanField(
        help_text=_(
            "Whether the membership is in good standing today (UTC): active, and this federation "
            "year's return filed or not yet due. Computed, never typed."
        )
    )
    updated_at = serializers.DateTimeField(help_text=_("Last change to the organization's record (UTC)."))
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Public contact e-mail. Only present for requests with a partner API key."),
    )


class AffiliatePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True, help_text=_("URL of the next page, or null on the last page.")
    )
    previous = serializers.URLField(
        allow_null=True, help_text=_("URL of the previous page, or null on the first page.")
    )
    results = AffiliateSerializer(many=True)


class MembershipNoteSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["suspended", "ended"], allow_null=True, help_text=_("The membership's state now.")
    )
    since = serializers.DateField(
        allow_null=True, help_text=_("Suspended from, or the first day no longer a member.")
    )
    reason = serializers.ChoiceField(
        choices=EndReason.choices,
        allow_null=True,
        help_text=_(
            "Why the membership ended: withdrawn, expelled, lapsed or dissolved; null for a suspension."
        ),
    )


class DecisionRefSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["application", "motion", "change_request"],
        help_text=_("An admission vote, a motion of the Executive Committee, or an approved change request."),
    )
    id = serializers.IntegerField()


class ChangeEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        min_value=1,
        help_text=_(
            "The event's number: events are numbered 1, 2, 3… in the order they happened. Use it as ?after=."
        ),
    )
    type = serializers.ChoiceField(choices=DirectoryEventType.choices)
    occurred_at = serializers.DateTimeField(help_text=_("When the change was recorded (UTC)."))
    slug = serializers.SlugField(
        help_text=_("The affiliate's slug after the change (the one removed, for a removal).")
    )
    previous_slug = serializers.SlugField(
        allow_null=True,
        help_text=_("The slug it was listed under before, when this change renamed it; else null."),
    )
    affiliate = AffiliateSerializer(
        allow_null=True,
        help_text=_(
            "The affiliate as /api/v1/affiliates/ shows it after the change; null when the directory no longer "
            "lists it (member.suspended, member.ended)."
        ),
    )
    changed = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("The fields whose value changed (empty for admissions and removals)."),
    )
    membership = MembershipNoteSerializer(
        allow_null=True, help_text=_("For a removal: why the directory no longer lists the affiliate.")
    )
    decision = DecisionRefSerializer(
        allow_null=True, help_text=_("The decision that caused it, when there is one.")
    )


class ChangeFeedPageSerializer(serializers.Serializer):
    results = ChangeEventSerializer(many=True)
    next_after = serializers.IntegerField(
        min_value=0, help_text=_("Send this as ?after= on your next request (the id of the last event here).")
    )
    has_more = serializers.BooleanField(help_text=_("More events are waiting: ask again at once."))
    last_id = serializers.IntegerField(
        min_value=0, help_text=_("The id of the newest event now (0 if none).")
    )
    next = serializers.URLField(help_text=_("The URL of the next request, with ?after= and your limit."))


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Never translated; use it in the 'region' filter."))
    name = serializers.CharField(
        help_text=_(
            "In the language of Accept-Language where the secretariat gave a translation; English otherwise."
        )
    )
    parent = serializers.CharField(
        allow_null=True, help_text=_("Code of the parent region; null at the top.")
    )
    affiliate_count = serializers.IntegerField(
        min_value=0, help_text=_("Affiliates in this region, its sub-regions included.")
    )


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Stable, for programs: invalid, not_found, throttled, api_key_revoked …")
    )
    message = serializers.CharField(help_text=_("For people; may be translated."))
    details = serializers.DictField(
        help_text=_(
            'For \'invalid\': the messages per parameter, such as {"country": ["…"]}. '
            "For 'throttled': {\"retry_after\": seconds}. Otherwise usually empty."
        )
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# --- public decisions ----------------------------------------------------------------------------


class DecisionOrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    acronym = serializers.CharField(allow_blank=True)
    country = CountrySerializer(allow_null=True)
    slug = serializers.CharField(
        allow_null=True, help_text=_("Its slug in the directory while it is an affiliate; null otherwise.")
    )


class PublicDecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("application", "application"), ("motion", "motion")])
    decision = serializers.ChoiceField(choices=[("admitted", "admitted"), ("carried", "carried")])
    category = serializers.ChoiceField(
        choices=[*MembershipCategory.choices, ("", "")],
        help_text=_("An admission: the category admitted to; empty for a motion."),
    )
    motion_kind = serializers.ChoiceField(
        choices=[*MotionKind.choices, ("", "")],
        help_text=_("A motion: what it decided; empty for an admission."),
    )
    organization = DecisionOrganizationSerializer()


class MeetingDecisionsSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(help_text=_("The meeting's id."))
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    minutes_approved = serializers.BooleanField(
        help_text=_("Whether the minutes are approved (false: a closed meeting's draft minutes).")
    )
    decisions = PublicDecisionSerializer(many=True)


class DecisionPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("How many meetings match, on all pages."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MeetingDecisionsSerializer(many=True)
