"""Reads of the registry. Every list of affiliates in the project starts here."""

import datetime
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils import timezone

from .models import (
    CURRENT_STATES,
    ChangeRequest,
    ChangeRequestState,
    Membership,
    MembershipState,
    MembershipSuspension,
    Organization,
    Region,
    Representative,
    RepresentativeInvitation,
    YearlyReturn,
    hash_token,
)
from .search import narrowed_to, search_rows
from .text import fold_for_search  # also for callers: registry.selectors.fold_for_search
from .text import search_words as _words_of

# At most this many words of a search are used; the rest are ignored.
MAX_SEARCH_WORDS = 8


def region_with_descendants_ids(*, region: Region | int) -> set[int]:
    """The id of ``region`` and of every region below it, at any depth (one query)."""
    root_id = region if isinstance(region, int) else region.pk
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Region.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found, stack = set(), [root_id]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children[pk])
    return found


def search_words(query: str) -> list[str]:
    """The folded words of a search query (``registry.text.search_words``), at most ``MAX_SEARCH_WORDS``."""
    return _words_of(query)[:MAX_SEARCH_WORDS]


def affiliate_list(
    *,
    region: Region | None = None,
    country: str | None = None,
    category: str | None = None,
    search: str | None = None,
    updated_since: datetime.datetime | None = None,
    good_standing: bool | None = None,
) -> QuerySet[Organization]:
    """Organizations with an active membership, annotated with ``category``, ``admitted_on`` and
    ``in_good_standing`` (today, ``good_standing_q``).

    ``region`` includes its sub-regions. The active membership is unique per
    organization (a database constraint), so the join yields one row each.
    ``search`` keeps the organizations whose name, Latin name, acronym or city have a word that
    begins with each word of it, ignoring case and accents (``registry.search``; a word of a script
    that joins words, such as Arabic, anywhere in them). ``updated_since`` compares the
    organization's ``updated_at`` (inclusive). ``good_standing`` keeps the affiliates in good
    standing today (True) or the others (False).
    """
    qs = _affiliates_on(today(), category or "", tuple(_STANDING_CONDITIONS)).all()
    if words := search_words(search or ""):
        qs = narrowed_to(qs, search_rows(words))
    if region is not None:
        qs = qs.filter(region_id__in=region_with_descendants_ids(region=region))
    if country:
        qs = qs.filter(country=country)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    if good_standing is not None:
        standing = organization_good_standing(today())
        qs = qs.filter(standing if good_standing else ~standing)
    return qs


@lru_cache(maxsize=16)
def _affiliates_on(day: datetime.date, category: str, conditions: tuple) -> QuerySet[Organization]:
    """``affiliate_list``'s query before its other filters, built once per day and category.

    Building the good-standing subquery (dues' conditions among it) costs the ORM several
    milliseconds, more than PostgreSQL takes for a page; callers get a clone (``.all()``), which
    shares the resolved expressions. The day and the standing conditions are part of the key;
    a change of settings (tests) forgets every query.
    """
    active = Q(memberships__state=MembershipState.ACTIVE)
    if category:
        active &= Q(memberships__category=category)
    return (
        Organization.objects.filter(active)
        .annotate(
            category=F("memberships__category"),
            admitted_on=F("memberships__admitted_on"),
            in_good_standing=organization_good_standing_value(day),
        )
        .select_related("region")
    )


def affiliate_list_version() -> tuple:
    """What the SQL of ``affiliate_list`` depends on beyond its arguments (a key for its compiled
    form): the day and the standing conditions. A change of settings sends ``setting_changed``."""
    return today(), tuple(_STANDING_CONDITIONS)


@receiver(setting_changed)
def _forget_affiliate_queries(**kwargs) -> None:
    _affiliates_on.cache_clear()


# The columns of one affiliate as a plain row; ``id`` is there for keyset pagination. The region's
# name comes in every language, so that a row (and the change feed's entry made from it) renders in
# any language without another query (``registry.models.localized_region_name(row, prefix="region__")``).
AFFILIATE_ROW_FIELDS = (
    "id",
    "slug",
    "name",
    "name_latin",
    "acronym",
    "country",
    "region__code",
    "region__name",
    "region__name_ar",
    "region__name_fr",
    "region__name_tr",
    "city",
    "website",
    "email",
    "category",
    "admitted_on",
    "in_good_standing",
    "updated_at",
)


def affiliate_rows(**filters) -> QuerySet[dict]:
    """``affiliate_list(**filters)`` as dicts of ``AFFILIATE_ROW_FIELDS``: one query, no model instances."""
    return affiliate_list(**filters).values(*AFFILIATE_ROW_FIELDS)


def affiliate_row(*, slug: str) -> dict | None:
    """The affiliate with ``slug`` as a row of ``AFFILIATE_ROW_FIELDS``; None if it is not an affiliate."""
    return next(iter(affiliate_rows().filter(slug=slug).order_by()[:1]), None)


def affiliate_countries() -> list[str]:
    """The codes of the countries that have at least one affiliate (one query)."""
    return list(affiliate_list().order_by().values_list("country", flat=True).distinct())


def affiliate_counts_by_country() -> dict[str, int]:
    """Affiliates per country code, only countries that have some (one query): the directory's map."""
    rows = affiliate_list().order_by().values("country").annotate(n=Count("id")).values_list("country", "n")
    return dict(rows)


def top_level_regions() -> list[Region]:
    """The regions that have no parent, by name."""
    return list(Region.objects.filter(parent__isnull=True).order_by("name"))


def likely_duplicates(
    *, name: str, acronym: str = "", country: str, name_latin: str = ""
) -> list[Organization]:
    """Organizations of ``country`` that are likely the union called ``name`` (``acronym``, and
    ``name_latin`` in Latin script): one of the names equal to one of theirs (name or Latin name), or
    the same acronym, folded as search folds them (``fold_for_search``: case, accents, spaces,
    Arabic letter forms), each with ``is_member`` (a membership that has not ended). One query,
    narrowed on ``search_text``; by name. None without a country."""
    names = {fold_for_search(value) for value in (name, name_latin) if value} - {""}
    folded_acronym = fold_for_search(acronym or "")
    if not country or not (names or folded_acronym):
        return []
    narrowed = Q()
    for folded in (*sorted(names), folded_acronym):
        if folded:
            narrowed |= Q(search_text__contains=folded)
    current = Membership.objects.filter(organization=OuterRef("pk"), state__in=CURRENT_STATES)
    candidates = (
        Organization.objects.filter(narrowed, country=country)
        .annotate(is_member=Exists(current))
        .order_by("name", "pk")
    )
    return [
        organization
        for organization in candidates
        if names & {fold_for_search(value) for value in (organization.name, organization.name_latin) if value}
        or (folded_acronym and fold_for_search(organization.acronym) == folded_acronym)
    ]


def members_in_country(*, country: str, exclude_organization_id: int | None = None) -> list[Membership]:
    """The memberships not ended of organizations in ``country`` (the federation usually admits one
    national union per country), full members first, then by admission; one query."""
    if not country:
        return []
    found = Membership.objects.filter(state__in=CURRENT_STATES, organization__country=country)
    if exclude_organization_id is not None:
        found = found.exclude(organization_id=exclude_organization_id)
    ordered = found.select_related("organization").order_by(
        Case(When(category="full", then=0), default=1), "admitted_on", "pk"
    )
    return list(ordered)


def is_affiliate(*, organization: Organization) -> bool:
    return organization.memberships.filter(state=MembershipState.ACTIVE).exists()


def region_tree() -> list[tuple[Region, int]]:
    """Every region in depth-first order with its depth (0 for top-level regions)."""
    regions = list(Region.objects.order_by("name"))
    by_parent: dict[int | None, list[Region]] = defaultdict(list)
    for region in regions:
        by_parent[region.parent_id].append(region)
    ordered: list[tuple[Region, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for region in by_parent[parent_id]:
            ordered.append((region, depth))
            walk(region.pk, depth + 1)

    walk(None, 0)
    return ordered


def affiliate_counts_by_region() -> dict[int, int]:
    """Affiliates per region id, each region counting its sub-regions too (two queries)."""
    direct = dict(
        Organization.objects.filter(memberships__state=MembershipState.ACTIVE)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    totals: dict[int, int] = dict.fromkeys(parents, 0)
    for region_id, n in direct.items():
        node: int | None = region_id
        while node is not None:
            totals[node] += n
            node = parents.get(node)
    return totals


# --- good standing: computed from dated rows, for any date ----------------------------------------------


def today() -> datetime.date:
    """Today in UTC, the registry's time zone."""
    return timezone.now().astimezone(datetime.UTC).date()


def year_start(year: int) -> datetime.date:
    """The first day of federation year ``year`` (``MEMBERSHIP_YEAR_START``, "MM-DD")."""
    month, day = (int(part) for part in settings.MEMBERSHIP_YEAR_START.split("-"))
    return datetime.date(year, month, day)


def federation_year(on: datetime.date) -> int:
    """The federation year ``on`` falls in, named by the calendar year it starts in."""
    return on.year if on >= year_start(on.year) else on.year - 1


def return_due_on(year: int, *, admitted_on: datetime.date | None = None) -> datetime.date:
    """The last day to file the return for ``year`` without losing good standing: ``RETURN_DUE_DAYS``
    days from the year's start, or from the admission of a union admitted during that year."""
    opens = year_start(year)
    if admitted_on is not None and admitted_on > opens:
        opens = admitted_on
    return opens + datetime.timedelta(days=settings.RETURN_DUE_DAYS - 1)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def active_on_q(on: datetime.date) -> Q:
    """Memberships that were members on ``on``: admitted by then, not ended, not suspended that day."""
    suspended = MembershipSuspension.objects.filter(membership=OuterRef("pk"), starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=on)
    )
    return Q(admitted_on__lte=on) & (Q(ended_on__isnull=True) | Q(ended_on__gt=on)) & ~Exists(suspended)


_STANDING_CONDITIONS: list[Callable[[datetime.date], Q]] = []


def add_standing_condition(condition: Callable[[datetime.date], Q]) -> None:
    """Add a condition of good standing kept by an app above the registry (``dues``: no invoice in
    arrears), as a function of the day giving a filter on ``Membership``. The registry cannot
    import those apps; they register here when they start (``AppConfig.ready``)."""
    if condition not in _STANDING_CONDITIONS:
        _STANDING_CONDITIONS.append(condition)


def good_standing_q(on: datetime.date) -> Q:
    """Memberships in good standing on ``on``, as a filter on ``Membership`` (no Python loop).

    Active on ``on`` (``active_on_q``), the return for ``on``'s federation year filed by the
    end of that day or still within its due period (``return_due_on``), and every condition the
    apps above add (``add_standing_condition``: no dues in arrears). Every fact is a dated row,
    so the answer for a past date does not change when the present does.
    """
    condition = _return_standing_q(on)
    for extra in _STANDING_CONDITIONS:
        condition &= extra(on)
    return condition


def _return_standing_q(on: datetime.date) -> Q:
    year = federation_year(on)
    active = active_on_q(on)
    if on <= return_due_on(year):
        return active
    filed = YearlyReturn.objects.filter(
        membership=OuterRef("pk"), year=year, filed_at__lt=_start_of(on + datetime.timedelta(days=1))
    )
    # Admitted during the year: due RETURN_DUE_DAYS from admission (return_due_on), i.e. on ≤ admitted + N - 1.
    admitted_recently = Q(admitted_on__gte=on - datetime.timedelta(days=settings.RETURN_DUE_DAYS - 1))
    return active & (Exists(filed) | admitted_recently)


def good_standing_expression(on: datetime.date) -> ExpressionWrapper:
    """``good_standing_q(on)`` as a boolean to annotate ``Membership`` rows with."""
    return ExpressionWrapper(good_standing_q(on), output_field=BooleanField())


def organization_good_standing(on: datetime.date, *, organization_ref: str = "pk") -> Exists:
    """Whether an organization (the outer row, or the outer row's ``organization_ref``) has a
    membership in good standing on ``on``."""
    return Exists(Membership.objects.filter(good_standing_q(on), organization=OuterRef(organization_ref)))


class _CompiledOnce(Subquery):
    """A ``Subquery`` that keeps its SQL per database once resolved (``_affiliates_on`` shares one
    across requests). Compiling the good-standing subquery clones and resolves each of its nested
    ``EXISTS`` again: more time than PostgreSQL takes for the page. The SQL of a resolved subquery
    depends only on the database; a relabelled or re-resolved copy compiles afresh (``copy``)."""

    def copy(self):
        clone = super().copy()
        clone._compiled = {}
        return clone

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if template is not None or extra_context:
            return super().as_sql(compiler, connection, template, **extra_context)
        compiled = self.__dict__.setdefault("_compiled", {})
        if connection.alias not in compiled:
            sql, params = super().as_sql(compiler, connection)
            compiled[connection.alias] = (sql, tuple(params))
        return compiled[connection.alias]


def organization_good_standing_value(on: datetime.date) -> Coalesce:
    """``organization_good_standing(on)`` of the outer row as a scalar subquery (true, or false when
    there is none): computed row by row, so for a page only on the page's rows.

    PostgreSQL may run an ``EXISTS`` in the select list as one hashed scan of every membership, as
    when it expects to compute it for the whole table (it does not count the ``LIMIT``); a scalar
    subquery has no such plan. Filter with ``organization_good_standing``, which can become a join.
    """
    standing = Membership.objects.filter(good_standing_q(on), organization=OuterRef("pk"))
    first = (
        standing.order_by().annotate(standing=Value(True, output_field=BooleanField())).values("standing")[:1]
    )
    return Coalesce(_CompiledOnce(first, output_field=BooleanField()), Value(False))


def in_good_standing(membership: Membership, on: datetime.date | None = None) -> bool:
    """Whether ``membership`` is in good standing on ``on`` (today by default): one query."""
    return Membership.objects.filter(good_standing_q(on or today()), pk=membership.pk).exists()


class ReturnStatus(NamedTuple):
    """The yearly return of one federation year as the member area shows it."""

    year: int
    due_on: datetime.date
    filed: YearlyReturn | None
    overdue: bool


def return_status(membership: Membership, on: datetime.date | None = None) -> ReturnStatus:
    """The return for ``on``'s federation year: due date, the return if filed, whether it is late."""
    on = on or today()
    year = federation_year(on)
    due_on = return_due_on(year, admitted_on=membership.admitted_on)
    filed = membership.yearly_returns.filter(
        year=year, filed_at__lt=_start_of(on + datetime.timedelta(days=1))
    )
    filed = filed.first()
    return ReturnStatus(year=year, due_on=due_on, filed=filed, overdue=filed is None and on > due_on)


def filed_returns(membership: Membership) -> QuerySet[YearlyReturn]:
    """The returns ``membership`` filed, the latest year first, with who filed each."""
    return membership.yearly_returns.select_related("filed_by").order_by("-year")


def years_to_file(membership: Membership, on: datetime.date | None = None) -> list[int]:
    """The federation years of ``membership``, up to ``on``'s, whose return is not filed: the latest first."""
    this_year = federation_year(on or today())
    filed = set(membership.yearly_returns.values_list("year", flat=True))
    first = federation_year(membership.admitted_on)
    return [year for year in range(this_year, first - 1, -1) if year not in filed]


# --- member unions and the people who represent them ---------------------------------------------------


def current_membership(organization: Organization) -> Membership | None:
    """The organization's membership that has not ended (active or suspended), or None."""
    return (
        organization.memberships.exclude(state=MembershipState.ENDED).order_by("-admitted_on", "-pk").first()
    )


def latest_membership(organization: Organization) -> Membership | None:
    """The current membership, else the one that ended last (the member area shows either)."""
    return organization.memberships.order_by(
        F("ended_on").desc(nulls_first=True), "-admitted_on", "-pk"
    ).first()


def active_representatives(organization: Organization) -> QuerySet[Representative]:
    return organization.representatives.filter(removed_at__isnull=True).select_related("user")


def is_representative(organization: Organization | int, user) -> bool:
    """Whether ``user`` (signed in, active) represents ``organization`` now (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    organization_id = organization if isinstance(organization, int) else organization.pk
    return Representative.objects.filter(
        organization_id=organization_id, user_id=user.pk, removed_at__isnull=True
    ).exists()


def represented_organizations(user) -> QuerySet[Organization]:
    """The organizations ``user`` represents now, by name."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    return (
        Organization.objects.filter(representatives__user=user, representatives__removed_at__isnull=True)
        .select_related("region")
        .order_by("name", "pk")
    )


def represented_unions(
    user, on: datetime.date | None = None
) -> list[tuple[Organization, Membership | None, bool]]:
    """The unions ``user`` represents, by name, each with its latest membership (``latest_membership``)
    and whether that membership is in good standing on ``on`` (today): two queries, however many."""
    memberships = Membership.objects.annotate(good=good_standing_expression(on or today())).order_by(
        F("ended_on").desc(nulls_first=True), "-admitted_on", "-pk"
    )
    organizations = represented_organizations(user).prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="latest_first")
    )
    unions = []
    for organization in organizations:
        latest = organization.latest_first[0] if organization.latest_first else None
        unions.append((organization, latest, bool(latest and latest.good)))
    return unions


def invitation_by_token(token: str) -> RepresentativeInvitation | None:
    """The invitation whose link carries ``token`` (compared by hash), or None."""
    if not token or len(token) > 200:
        return None
    return (
        RepresentativeInvitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def pending_invitations(organization: Organization) -> QuerySet[RepresentativeInvitation]:
    """Invitations that can still be accepted, newest first."""
    return organization.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def pending_change_requests() -> QuerySet[ChangeRequest]:
    """Every change request waiting for the secretariat, the oldest first, each with whether its
    union is in good standing today (``in_good_standing``)."""
    return (
        ChangeRequest.objects.filter(state=ChangeRequestState.PENDING)
        .annotate(in_good_standing=organization_good_standing(today(), organization_ref="organization_id"))
        .select_related("organization", "requested_by")
        .order_by("requested_at", "pk")
    )
