"""Random decisions on members, each in its own transaction and published to the change feed as the
services do (``registry.feed.publish`` last), and a partner who follows the feed through the API."""

import datetime
import random

from django.db import transaction

from registry import feed
from registry.models import (
    EndReason,
    Membership,
    MembershipCategory,
    MembershipState,
    Organization,
    Region,
    YearlyReturn,
)
from registry.selectors import federation_year, today
from registry.services import (
    membership_category_change,
    membership_end,
    membership_reinstate,
    membership_suspend,
)

CITIES = ["Nairobi", "Dakar", "Amman", "Istanbul", "Tashkent", "Jakarta", "Lima", "Tunis"]


def decide(rng: random.Random, *, on: datetime.date, prefix: str = "u") -> str | None:
    """Make one random decision, publish it; the kind of decision made (None if none applied)."""
    kind = rng.choice(["admit", "admit", "suspend", "reinstate", "end", "category", "edit", "return"])
    with transaction.atomic():
        if kind == "admit":
            organization = _new_organization(rng, prefix)
            Membership.objects.create(organization=organization, category=_category(rng), admitted_on=on)
            feed.publish(organization, decision={"type": "application", "id": rng.randrange(1, 10**6)})
            return kind
        membership = _pick(rng, kind)
        if membership is None:
            return None
        if kind == "suspend":
            membership_suspend(membership=membership, on=on, reason="Dues unpaid")
        elif kind == "reinstate":
            membership_reinstate(membership=membership, on=on)
        elif kind == "end":
            membership_end(membership=membership, on=on, reason=rng.choice(EndReason.values))
        elif kind == "category":
            others = [c for c in MembershipCategory.values if c != membership.category]
            membership_category_change(membership=membership, category=rng.choice(others))
        elif kind == "edit":
            organization = Organization.objects.select_for_update().get(pk=membership.organization_id)
            organization.city = rng.choice(CITIES)
            organization.website = f"https://{organization.slug}-{rng.randrange(100)}.example.org"
            if rng.random() < 0.2:
                organization.slug = f"{organization.slug.split('--')[0]}--{rng.randrange(10**6)}"
            organization.save()
        elif kind == "return":
            year = federation_year(today())
            if YearlyReturn.objects.filter(membership=membership, year=year).exists():
                return None
            YearlyReturn.objects.create(membership=membership, year=year, filed_at=_noon(today()))
        feed.publish(membership.organization_id, decision={"type": "motion", "id": rng.randrange(1, 10**6)})
    return kind


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def _category(rng: random.Random) -> str:
    return rng.choice(MembershipCategory.values)


def _new_organization(rng: random.Random, prefix: str) -> Organization:
    number = rng.randrange(10**9)
    region = rng.choice(list(Region.objects.all()))
    return Organization.objects.create(
        name=f"Student Union {prefix} {number}",
        acronym=f"SU{number % 1000}",
        slug=f"{prefix}-{number}",
        country=rng.choice(["KE", "SN", "JO", "TR", "UZ", "ID", "PE", "TN"]),
        region=region,
        city=rng.choice(CITIES),
        email=f"office@{prefix}-{number}.example.org",
    )


def _pick(rng: random.Random, kind: str) -> Membership | None:
    states = {
        "suspend": [MembershipState.ACTIVE],
        "reinstate": [MembershipState.SUSPENDED],
        "end": [MembershipState.ACTIVE, MembershipState.SUSPENDED],
    }.get(kind, [MembershipState.ACTIVE])
    ids = list(Membership.objects.filter(state__in=states).values_list("pk", flat=True))
    if not ids:
        return None
    membership = Membership.objects.select_for_update().get(pk=rng.choice(ids))
    return membership if membership.state in states else None


class Partner:
    """A partner's copy of the directory, kept by applying the feed's events as its docs say."""

    def __init__(self, client):
        self.client = client
        self.after = 0
        self.copy: dict[str, dict] = {}
        self.seen: list[int] = []

    def poll(self, *, limit: int = 500) -> int:
        """Read and apply every event after the last one read; how many."""
        read = 0
        while True:
            response = self.client.get("/api/v1/changes/", {"after": self.after, "limit": limit})
            assert response.status_code == 200, response.content
            body = response.json()
            for event in body["results"]:
                self.apply(event)
            read += len(body["results"])
            self.after = body["next_after"]
            if not body["has_more"]:
                return read

    def apply(self, event: dict) -> None:
        self.seen.append(event["id"])
        if event["affiliate"] is None:
            self.copy.pop(event["slug"], None)
            return
        if event["previous_slug"]:
            self.copy.pop(event["previous_slug"], None)
        self.copy[event["affiliate"]["slug"]] = event["affiliate"]


def directory(client) -> dict[str, dict]:
    """``GET /api/v1/affiliates/``, every page, by slug."""
    found: dict[str, dict] = {}
    url, params = "/api/v1/affiliates/", {"page_size": 500}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        found.update((item["slug"], item) for item in body["results"])
        url, params = body["next"], None
    return found
