"""Reads of the registry. Every list of affiliates in the project starts here."""

from collections import defaultdict

from django.db.models import Count, F, Q, QuerySet

from .models import Organization, Region, Standing


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


def affiliate_list(
    *,
    region: Region | None = None,
    country: str | None = None,
    category: str | None = None,
) -> QuerySet[Organization]:
    """Organizations with an active membership, annotated with ``category`` and ``admitted_on``.

    ``region`` includes its sub-regions. The active membership is unique per
    organization (a database constraint), so the join yields one row each.
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
    return qs


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

