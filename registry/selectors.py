"""Reads of the registry. Every list of affiliates in the project starts here."""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from .models import CURRENT_STANDINGS, Membership, Organization, Region, Standing
from .text import fold_for_search  # also for callers: registry.selectors.fold_for_search

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
    """The folded words of a search query (see ``fold_for_search``), at most ``MAX_SEARCH_WORDS``."""
    return fold_for_search(query).split()[:MAX_SEARCH_WORDS]


def affiliate_list(
    *,
    region: Region | None = None,
    country: str | None = None,
    category: str | None = None,
    search: str | None = None,
    updated_since: datetime.datetime | None = None,
) -> QuerySet[Organization]:
    """Organizations with an active membership, annotated with ``category`` and ``admitted_on``.

    ``region`` includes its sub-regions. The active membership is unique per
    organization (a database constraint), so the join yields one row each.
    ``search`` keeps the organizations whose name, acronym or city contain every
    word of it, ignoring case and accents. ``updated_since`` compares the
    organization's ``updated_at`` (inclusive).
    """
    active = Q(memberships__standing=Standing.ACTIVE)
    if category:
        active &= Q(memberships__category=category)
    qs = (
        Organization.objects.filter(active)
        .annotate(category=F("memberships__category"), admitted_on=F("memberships__admitted_on"))
        .select_related("region")
    )
    if region is not None:
        qs = qs.filter(region_id__in=region_with_descendants_ids(region=region))
    if country:
        qs = qs.filter(country=country)
    for word in search_words(search or ""):
        qs = qs.filter(search_text__contains=word)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs


# The columns of one affiliate as a plain row; ``id`` is there for keyset pagination.
AFFILIATE_ROW_FIELDS = (
    "id",
    "slug",
    "name",
    "acronym",
    "country",
    "region__code",
    "region__name",
    "city",
    "website",
    "email",
    "category",
    "admitted_on",
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


def likely_duplicates(*, name: str, acronym: str = "", country: str) -> list[Organization]:
    """Organizations of ``country`` that are likely the union called ``name`` (``acronym``): the
    same name or the same acronym, folded as search folds them (``fold_for_search``: case, accents,
    spaces), each with ``is_member`` (a membership that has not ended). One query, narrowed on
    ``search_text``; by name. None without a country."""
    folded_name, folded_acronym = fold_for_search(name or ""), fold_for_search(acronym or "")
    if not country or not (folded_name or folded_acronym):
        return []
    narrowed = Q()
    for folded in filter(None, (folded_name, folded_acronym)):
        narrowed |= Q(search_text__contains=folded)
    current = Membership.objects.filter(organization=OuterRef("pk"), standing__in=CURRENT_STANDINGS)
    candidates = (
        Organization.objects.filter(narrowed, country=country)
        .annotate(is_member=Exists(current))
        .order_by("name", "pk")
    )
    return [
        organization
        for organization in candidates
        if (folded_name and fold_for_search(organization.name) == folded_name)
        or (folded_acronym and fold_for_search(organization.acronym) == folded_acronym)
    ]


def is_affiliate(*, organization: Organization) -> bool:
    return organization.memberships.filter(standing=Standing.ACTIVE).exists()


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
        Organization.objects.filter(memberships__standing=Standing.ACTIVE)
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
