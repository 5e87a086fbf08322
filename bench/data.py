"""Deterministic data sets: organizations with accented names spread over the default regions.

The same size always gives the same rows (a seeded generator). About 75% of the
organizations are affiliates (an active membership); the others have a withdrawn or
suspended membership, or none. Beside them, one membership application for every five
organizations, across the workflow's states, with the reviews and votes the committee
queue counts. Rows go in with PostgreSQL's COPY (psycopg 3
``cursor.copy``); ``search_text`` is filled by the model's own ``build_search_text``, as
``save()`` would.
"""

import csv
import datetime
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, models, transaction
from django.utils.text import slugify

from accounts import roles
from registry.feed import columns_of
from registry.models import (
    CountryRegion,
    DirectoryEvent,
    DirectoryEventType,
    DirectoryFeedCounter,
    EndReason,
    Membership,
    MembershipCategory,
    MembershipState,
    Organization,
    Region,
)

# Change when the generated rows change: cached databases with another version are rebuilt.
DATA_VERSION = 3
SEED = 20261128

# The words partners search for, in the languages of the federation's members.
ORGANIZATION_WORDS = (
    "Université",
    "Fédération des Étudiants",
    "Federación de Estudiantes",
    "Unión Estudiantil",
    "National Union of Students",
    "Student Union",
    "Associação Académica",
    "Związek Studentów",
    "Studierendenvertretung",
    "Öğrenci Birliği",
    "Syndicat Étudiant",
    "Consiglio degli Studenti",
    "Studentská unie",
    "Hallgatói Önkormányzat",
)
CITIES = (
    "São Paulo",
    "Bogotá",
    "Kraków",
    "Zürich",
    "Málaga",
    "Québec",
    "Nouméa",
    "Reykjavík",
    "Łódź",
    "Ouagadougou",
    "Yaoundé",
    "Medellín",
    "Córdoba",
    "Düsseldorf",
    "Besançon",
    "Genève",
    "Tromsø",
    "İzmir",
    "Hà Nội",
    "Asunción",
    "Nairobi",
    "Lagos",
    "Accra",
    "Dakar",
    "Kampala",
    "Tunis",
    "Beyrouth",
    "Amman",
    "Almaty",
    "Tbilisi",
    "Kyiv",
    "Brno",
    "Győr",
    "Cluj-Napoca",
    "Ljubljana",
    "Århus",
    "Tampere",
    "Uppsala",
    "Galway",
    "Porto",
    "Sevilla",
    "Bologna",
    "Leuven",
    "Montréal",
    "Mérida",
    "Valparaíso",
    "Cusco",
    "Santo Domingo",
    "San José",
    "Manila",
    "Hanoi",
    "Bandung",
    "Chennai",
    "Dhaka",
    "Lahore",
    "Suva",
    "Auckland",
)
FACULTIES = (
    "",
    "",
    "",
    "Faculté de Droit",
    "Facultad de Medicina",
    "Campus Norte",
    "Sciences Po",
    "Technische Fakultät",
    "School of Engineering",
    "Escola Politécnica",
)
KINDS = ("national_union", "university_union", "federation", "other")
CATEGORIES = (
    (MembershipCategory.FULL,) * 6 + (MembershipCategory.ASSOCIATE,) * 3 + (MembershipCategory.OBSERVER,)
)
EPOCH = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)

# The common search word the benchmark asks for (``?q=``): folded, it matches "Université" names (7%).
SEARCH_WORD = "universite"
# A rarer word (``?q=``): a city, in under 2% of the names, spread over the whole name order.
RARE_SEARCH_WORD = "ouagadougou"
# The region filter the benchmark asks for (``?region=``): a parent, so its sub-regions count.
REGION_FILTER = "europe"
# The directory's history (``registry.history``): every member's events over one past year, and the
# day the benchmark asks for (``?as_of=``), in the middle of it.
HISTORY_START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
HISTORY_DAYS = 365
AS_OF = datetime.date(2025, 7, 1)


@dataclass(frozen=True)
class Counts:
    organizations: int
    memberships: int
    affiliates: int
    applications: int


def leaf_regions(region_ids: dict[str, int], parents: dict[str, str | None]) -> list[str]:
    """Codes of the regions without sub-regions, in code order."""
    with_children = {parent for parent in parents.values() if parent}
    return sorted(code for code in region_ids if code not in with_children)


@dataclass(frozen=True)
class RegionSpace:
    """Where organizations go: the leaf regions (code → id) and the countries of each."""

    region_ids: dict[str, int]
    leaves: list[str]
    countries: dict[str, list[str]]

    @classmethod
    def load(cls, alias: str) -> "RegionSpace":
        regions = list(Region.objects.using(alias).values_list("code", "pk", "parent__code"))
        region_ids = {code: pk for code, pk, _parent in regions}
        countries: dict[str, list[str]] = defaultdict(list)
        for country, region_code in CountryRegion.objects.using(alias).values_list("country", "region__code"):
            countries[region_code].append(country)
        for codes in countries.values():
            codes.sort()
        leaves = leaf_regions(region_ids, {code: parent for code, _pk, parent in regions})
        return cls(region_ids, [code for code in leaves if countries[code]], dict(countries))


def organization_rows(size: int, *, space: RegionSpace) -> Iterator[dict]:
    """``size`` organizations as field values (ids 1..size), the same for the same size and regions."""
    leaves, countries_by_region, region_ids = space.leaves, space.countries, space.region_ids
    rng = random.Random(f"{SEED}-{size}-{DATA_VERSION}")
    for pk in range(1, size + 1):
        region = rng.choice(leaves)
        country = rng.choice(countries_by_region[region])
        word, city, faculty = rng.choice(ORGANIZATION_WORDS), rng.choice(CITIES), rng.choice(FACULTIES)
        name = f"{word} {city}" + (f" \u2013 {faculty}" if faculty else "")
        acronym = "".join(part[0] for part in name.replace("\u2013", " ").split() if part[0].isupper())[:10]
        updated = EPOCH + datetime.timedelta(seconds=rng.randrange(10 * 365 * 86400), microseconds=pk)
        organization = Organization(name=name, acronym=acronym, city=city)
        yield {
            "id": pk,
            "name": name,
            "acronym": acronym,
            "slug": f"{slugify(name)[:200]}-{pk}",
            "country": country,
            "region_id": region_ids[region],
            "city": city,
            "website": f"https://org{pk}.example.org/",
            "email": f"office@org{pk}.example.org",
            "founded_year": rng.randrange(1900, 2024),
            "students_represented": rng.randrange(500, 2_000_000),
            "kind": rng.choice(KINDS),
            "created_at": updated - datetime.timedelta(days=rng.randrange(1, 2000)),
            "updated_at": updated,
            "search_text": organization.build_search_text(),  # what Organization.save() stores
        }


def membership_rows(size: int) -> Iterator[dict]:
    """Memberships of organizations 1..size: 75% active, 8% ended (withdrawn), 5% suspended, 12% none."""
    rng = random.Random(f"{SEED}-{size}-{DATA_VERSION}-memberships")
    pk = 0
    for organization_id in range(1, size + 1):
        draw = rng.random()
        if draw >= 0.88:
            continue
        state = (
            MembershipState.ACTIVE
            if draw < 0.75
            else MembershipState.ENDED
            if draw < 0.83
            else MembershipState.SUSPENDED
        )
        admitted = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(35 * 365))
        created = datetime.datetime.combine(admitted, datetime.time(12), tzinfo=datetime.UTC)
        pk += 1
        ended = state == MembershipState.ENDED
        yield {
            "id": pk,
            "organization_id": organization_id,
            "category": rng.choice(CATEGORIES),
            "state": state,
            "admitted_on": admitted,
            "ended_on": admitted + datetime.timedelta(days=400) if ended else None,
            "end_reason": EndReason.WITHDRAWN if ended else "",
            "created_at": created,
            "updated_at": created,
        }


def _entry(organization: dict, membership: dict, region: tuple[str, str], category: str) -> dict:
    """A directory entry as ``registry.feed.entry_of`` stores it."""
    return {
        "slug": organization["slug"],
        "name": organization["name"],
        "acronym": organization["acronym"],
        "country": organization["country"],
        "region__code": region[0],
        "region__name": region[1],
        "city": organization["city"],
        "website": organization["website"],
        "email": organization["email"],
        "category": category,
        "admitted_on": membership["admitted_on"].isoformat(),
        "in_good_standing": True,
        "updated_at": organization["updated_at"].isoformat(),
    }


def event_rows(size: int, *, space: RegionSpace, regions: dict[int, tuple[str, str]]) -> Iterator[dict]:
    """The change feed of the members of ``size``: each admitted during ``HISTORY_START``'s year; a
    third change category later, 15% are edited; the ended and suspended leave. Numbered in time
    order, each closed by its organization's next (``valid_until``), as ``registry.feed`` records them.
    Good standing is true in every entry: the history is read, not computed, so it costs the same."""
    rng = random.Random(f"{SEED}-{size}-{DATA_VERSION}-events")
    organizations = {row["id"]: row for row in organization_rows(size, space=space)}
    events = []
    for membership in membership_rows(size):
        organization = organizations[membership["organization_id"]]
        region = regions[organization["region_id"]]
        moments = sorted(
            HISTORY_START + datetime.timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400)) for _ in range(3)
        )
        first_category = membership["category"]
        changes = []
        if rng.random() < 0.33:
            first_category = rng.choice([c for c in MembershipCategory.values if c != membership["category"]])
            changes.append((DirectoryEventType.CATEGORY_CHANGED, membership["category"], ["category"]))
        elif rng.random() < 0.15:
            changes.append((DirectoryEventType.UPDATED, membership["category"], ["website"]))
        if membership["state"] == MembershipState.ENDED:
            changes.append((DirectoryEventType.ENDED, None, []))
        elif membership["state"] == MembershipState.SUSPENDED:
            changes.append((DirectoryEventType.SUSPENDED, None, []))
        steps = [(DirectoryEventType.ADMITTED, first_category, []), *changes]
        for (kind, category, changed), moment in zip(steps, moments, strict=False):
            entry = None if category is None else _entry(organization, membership, region, category)
            events.append(
                {
                    "type": kind,
                    "organization_id": organization["id"],
                    "slug": organization["slug"],
                    "entry": entry,
                    "changed": changed,
                    "occurred_at": moment,
                    **columns_of(entry, organization["region_id"] if entry else None),
                }
            )
    events.sort(key=lambda event: (event["occurred_at"], event["organization_id"]))
    following: dict[int, dict] = {}
    for seq, event in enumerate(events, start=1):
        event["seq"], event["id"] = seq, seq
        if (before := following.get(event["organization_id"])) is not None:
            before["valid_until"] = event["occurred_at"]
        following[event["organization_id"]] = event
    for event in events:
        event["entry"] = None if event["entry"] is None else json.dumps(event["entry"])
        event["changed"] = json.dumps(event["changed"])
        yield event


def _default(field) -> object:
    """What COPY writes for a field a row leaves out: the model's default ("" for text without one),
    a JSON field's as JSON text."""
    value = field.get_default()
    return json.dumps(value) if isinstance(field, models.JSONField) and value is not None else value


def _columns(model) -> list[tuple[str, str, object]]:
    """(column, attname, default) of the model's concrete fields, in table order."""
    return [(field.column, field.attname, _default(field)) for field in model._meta.concrete_fields]


def copy_rows(alias: str, model, rows) -> int:
    """COPY ``rows`` (dicts of attnames) into ``model``'s table; missing fields get their default."""
    columns = _columns(model)
    names = ", ".join(connections[alias].ops.quote_name(column) for column, _attname, _default in columns)
    table = connections[alias].ops.quote_name(model._meta.db_table)
    count = 0
    with connections[alias].cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(attname, default) for _column, attname, default in columns])
            count += 1
    return count


def reset_sequence(alias: str, model) -> None:
    table = model._meta.db_table
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM "
            f"{connections[alias].ops.quote_name(table)}), 1))",
            [table],
        )


def seed(alias: str, size: int) -> Counts:
    """Fill an empty, migrated database (regions loaded) with ``size`` organizations; then ANALYZE."""
    with transaction.atomic(using=alias):
        organizations = copy_rows(alias, Organization, organization_rows(size, space=RegionSpace.load(alias)))
        memberships = copy_rows(alias, Membership, membership_rows(size))
        space = RegionSpace.load(alias)
        regions = {
            pk: (code, name)
            for pk, code, name in Region.objects.using(alias).values_list("pk", "code", "name")
        }
        events = copy_rows(alias, DirectoryEvent, event_rows(size, space=space, regions=regions))
        DirectoryFeedCounter.objects.using(alias).update_or_create(pk=1, defaults={"last": events})
        applications = seed_applications(alias, size, space=space)
        reset_sequence(alias, Organization)
        reset_sequence(alias, Membership)
        reset_sequence(alias, DirectoryEvent)
    with connections[alias].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT COUNT(*) FROM registry_membership WHERE state = %s",
            [MembershipState.ACTIVE.value],
        )
        (affiliates,) = cursor.fetchone()
    return Counts(
        organizations=organizations, memberships=memberships, affiliates=affiliates, applications=applications
    )


def extend_feed(alias: str, total: int) -> int:
    """Grow the change feed of a seeded data set to ``total`` events (``feed_page``'s large side), in
    one ``INSERT … SELECT`` over ``generate_series``: copies of its history after it, copy ``k``
    numbered ``k * n`` later and ``k * 366`` days later, so that every page of the grown feed holds
    the mix of events and entries a page of the history holds. The counter follows; then the table
    is analyzed. Returns the number of events (the history's own when it already has ``total``)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = quote(DirectoryEvent._meta.db_table)
    shifted = {
        "id": "e.seq + k * %(n)s",
        "seq": "e.seq + k * %(n)s",
        "occurred_at": "e.occurred_at + k * interval '366 days'",
        "valid_until": "e.valid_until + k * interval '366 days'",
    }
    columns = [column for column, _attname, _default in _columns(DirectoryEvent)]
    values = ", ".join(shifted.get(column, f"e.{quote(column)}") for column in columns)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM {table}")
        count, last = cursor.fetchone()
        if count != last:
            raise ValueError(f"the feed of {alias} is not numbered 1..{count}")
        if count == 0 or count >= total:
            return count
        copies = -(-total // count) - 1  # ceil(total / count) - 1
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(column) for column in columns)}) "
            f"SELECT {values} FROM {table} e CROSS JOIN generate_series(1, %(copies)s) AS k "
            "WHERE e.seq + k * %(n)s <= %(total)s",
            {"n": count, "copies": copies, "total": total},
        )
        DirectoryFeedCounter.objects.using(alias).update_or_create(pk=1, defaults={"last": total})
        reset_sequence(alias, DirectoryEvent)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
    return total


def counts(alias: str) -> Counts:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM registry_organization), (SELECT COUNT(*) FROM registry_membership), "
            "(SELECT COUNT(*) FROM registry_membership WHERE state = %s), "
            "(SELECT COUNT(*) FROM workflows_membershipapplication)",
            [MembershipState.ACTIVE.value],
        )
        organizations, memberships, affiliates, applications = cursor.fetchone()
    return Counts(
        organizations=organizations, memberships=memberships, affiliates=affiliates, applications=applications
    )


# --- the CSV file for the import timing ------------------------------------------------------------------


def write_organizations_csv(path, size: int, *, alias: str) -> list[str]:
    """The organizations of a data set of ``size`` as a CSV file (header: column names); its columns."""
    columns = _columns(Organization)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([column for column, _attname, _default in columns])
        for row in organization_rows(size, space=RegionSpace.load(alias)):
            writer.writerow([_csv_value(row.get(attname, default)) for _column, attname, default in columns])
    return [column for column, _attname, _default in columns]


CSV_NULL = r"\N"


def _csv_value(value) -> str:
    if value is None:
        return CSV_NULL
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


def copy_csv(alias: str, path, columns: list[str], *, chunk: int = 1 << 20) -> int:
    """COPY a CSV file written by ``write_organizations_csv`` into the organization table; rows copied."""
    connection = connections[alias]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(Organization._meta.db_table)
    with connection.cursor() as cursor:
        with (
            cursor.copy(
                f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true, NULL '{CSV_NULL}')"
            ) as copy,
            open(path, "rb") as fh,
        ):
            while data := fh.read(chunk):
                copy.write(data)
        return cursor.rowcount


# --- the membership applications (the committee queue) ----------------------------------------------------

# One application for every five organizations: 20,000 beside 100,000, 200 beside 1,000; at least
# 100, so that a small data set still fills the queue's first page.
APPLICATIONS_PER_ORGANIZATION = 5
# Where the applications are, in proportion: most wait in the open states, a third are decided.
APPLICATION_STATES = (
    ("draft", 5),
    ("submitted", 15),
    ("info_requested", 6),
    ("under_review", 20),
    ("reviewed", 8),
    ("executive_vote", 10),
    ("admitted", 24),
    ("rejected", 8),
    ("withdrawn", 4),
)
APPLICATIONS_END = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
VOTE_DEADLINE = datetime.datetime(2030, 1, 15, 12, tzinfo=datetime.UTC)
# The staff: the secretariat, the Executive Committee (the electorate) and the reviewers. The queue is
# measured as ``COMMITTEE_VIEWER``, the first committee member (with two-factor, as officers must).
SECRETARIAT_SIZE, COMMITTEE_SIZE, REVIEWERS_SIZE = 2, 7, 8
COMMITTEE_VIEWER = "committee1@bench.example.org"


def application_count(size: int) -> int:
    return max(100, size // APPLICATIONS_PER_ORGANIZATION)


@dataclass(frozen=True)
class Staff:
    secretariat: list[int]
    committee: list[int]
    reviewers: list[int]  # Reviewers and the Executive Committee: who may be assigned to review


def staff_rows() -> Iterator[tuple[dict, str]]:
    """The staff accounts (ids 1..17) and the role group of each."""
    pk = 0
    for group, prefix, count in (
        (roles.SECRETARIAT, "secretariat", SECRETARIAT_SIZE),
        (roles.EXECUTIVE_COMMITTEE, "committee", COMMITTEE_SIZE),
        (roles.REVIEWERS, "reviewer", REVIEWERS_SIZE),
    ):
        for n in range(1, count + 1):
            pk += 1
            yield _user(pk, f"{prefix}{n}@bench.example.org", first=prefix.title(), last=str(n)), group


def _user(pk: int, email: str, *, first: str = "", last: str = "") -> dict:
    return {
        "id": pk,
        "password": "!",  # no password: the bench signs in with a session of its own
        "username": email,
        "email": email,
        "first_name": first,
        "last_name": last,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "date_joined": EPOCH,
        "last_login": None,
    }


def staff() -> Staff:
    ids = defaultdict(list)
    for row, group in staff_rows():
        ids[group].append(row["id"])
    committee = ids[roles.EXECUTIVE_COMMITTEE]
    return Staff(ids[roles.SECRETARIAT], committee, ids[roles.REVIEWERS] + committee)


def application_rows(size: int, *, space: RegionSpace) -> Iterator[dict]:
    """``application_count(size)`` applications in ``APPLICATION_STATES``' proportions, each by an
    applicant of its own (user ids after the staff's), in their state since a moment of the last
    three years (the decided ones up to five)."""
    rng = random.Random(f"{SEED}-{size}-{DATA_VERSION}-applications")
    states = [state for state, weight in APPLICATION_STATES for _ in range(weight)]
    first_applicant = SECRETARIAT_SIZE + COMMITTEE_SIZE + REVIEWERS_SIZE + 1
    for pk in range(1, application_count(size) + 1):
        state = rng.choice(states)
        region = rng.choice(space.leaves)
        word, city = rng.choice(ORGANIZATION_WORDS), rng.choice(CITIES)
        decided = state in ("admitted", "rejected", "withdrawn")
        changed = APPLICATIONS_END - datetime.timedelta(
            seconds=rng.randrange((5 if decided else 3) * 365 * 86400), microseconds=pk
        )
        created = changed - datetime.timedelta(days=rng.randrange(1, 120))
        yield {
            "id": pk,
            "state": state,
            "applicant_id": first_applicant + pk - 1,
            "name": f"{word} {city} {pk}",
            "acronym": f"A{pk}",
            "country": rng.choice(space.countries[region]),
            "region_id": space.region_ids[region],
            "city": city,
            "website": f"https://applicant{pk}.example.org/",
            "email": f"office@applicant{pk}.example.org",
            "founded_year": rng.randrange(1900, 2024),
            "students_represented": rng.randrange(500, 2_000_000),
            "kind": rng.choice(KINDS),
            "motivation": "We represent the students of our country and share the federation's aims.",
            "created_at": created,
            "updated_at": changed,
            "submitted_at": None if state == "draft" else created + datetime.timedelta(days=1),
            "decided_at": changed if state in ("admitted", "rejected") else None,
            "state_changed_at": changed,
        }


def applicant_rows(size: int) -> Iterator[dict]:
    first = SECRETARIAT_SIZE + COMMITTEE_SIZE + REVIEWERS_SIZE + 1
    for n in range(application_count(size)):
        yield _user(first + n, f"applicant{n + 1}@bench.example.org")


def review_rows(size: int, applications: list[dict], people: Staff) -> Iterator[tuple[str, dict]]:
    """What the queue counts of each application's review and vote: two reviewers assigned from the
    review stage on (the viewer among them now and then), their reviews once written; in the vote,
    an open round whose electorate is the committee, with some ballots cast (never the viewer's, so
    the queue shows "Your vote"). Yields (kind, row): kind "assignment", "review", "round", "voter",
    "ballot"."""
    from workflows.rules import VoteRules

    rng = random.Random(f"{SEED}-{size}-{DATA_VERSION}-reviews")
    rules = json.dumps(VoteRules.from_settings().to_json())
    viewer = people.committee[0]
    ids = defaultdict(int)
    for application in applications:
        state, pk, changed = application["state"], application["id"], application["state_changed_at"]
        if state not in ("under_review", "reviewed", "executive_vote", "admitted", "rejected"):
            continue
        reviewers = rng.sample(people.reviewers, 2)
        for n, reviewer in enumerate(reviewers):
            ids["assignment"] += 1
            yield (
                "assignment",
                {
                    "id": ids["assignment"],
                    "application_id": pk,
                    "reviewer_id": reviewer,
                    "assigned_by_id": people.secretariat[0],
                    "assigned_at": changed,
                },
            )
            if state != "under_review" or (n == 0 and reviewer != viewer and rng.random() < 0.5):
                ids["review"] += 1
                yield (
                    "review",
                    {
                        "id": ids["review"],
                        "application_id": pk,
                        "reviewer_id": reviewer,
                        "recommendation": rng.choice(("admit", "admit", "reject")),
                        "comment": "The statutes and the motivation are in order.",
                        "submitted_at": changed,
                        "updated_at": changed,
                    },
                )
        if state != "executive_vote":
            continue
        ids["round"] += 1
        round_id = ids["round"]
        yield (
            "round",
            {
                "id": round_id,
                "application_id": pk,
                "number": 1,
                "category": rng.choice(CATEGORIES),
                "opened_by_id": people.secretariat[0],
                "opened_at": changed,
                "deadline": VOTE_DEADLINE + datetime.timedelta(seconds=pk),
                "vote_rules": rules,
                "mode": "online",
                "members_in_country": "[]",
            },
        )
        for member in people.committee:
            ids["voter"] += 1
            yield "voter", {"id": ids["voter"], "round_id": round_id, "user_id": member}
            if member != viewer and rng.random() < 0.6:
                ids["ballot"] += 1
                yield (
                    "ballot",
                    {
                        "id": ids["ballot"],
                        "round_id": round_id,
                        "voter_id": ids["voter"],
                        "choice": rng.choice(("yes", "yes", "no", "abstain")),
                        "cast_at": changed,
                    },
                )


def seed_applications(alias: str, size: int, *, space: RegionSpace) -> int:
    """The staff (in their role groups, the viewer with two-factor), the applicants, their
    applications, and the reviews and votes the queue reads, by COPY; the number of applications."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group, User

    from workflows.models import (
        Ballot,
        MembershipApplication,
        Review,
        ReviewerAssignment,
        Voter,
        VoteRound,
    )

    staff_users = list(staff_rows())
    copy_rows(alias, User, [row for row, _group in staff_users])
    copy_rows(alias, User, applicant_rows(size))
    groups = dict(Group.objects.using(alias).values_list("name", "pk"))
    memberships = User.groups.through
    copy_rows(
        alias,
        memberships,
        [
            {"id": n, "user_id": row["id"], "group_id": groups[group]}
            for n, (row, group) in enumerate(staff_users, start=1)
        ],
    )
    people = staff()
    Authenticator.objects.using(alias).create(
        user_id=people.committee[0], type=Authenticator.Type.TOTP, data={"secret": "bench-not-a-secret"}
    )
    applications = list(application_rows(size, space=space))
    count = copy_rows(alias, MembershipApplication, applications)
    rows = defaultdict(list)
    for kind, row in review_rows(size, applications, people):
        rows[kind].append(row)
    models_of = {
        "assignment": ReviewerAssignment,
        "review": Review,
        "round": VoteRound,
        "voter": Voter,
        "ballot": Ballot,
    }
    for kind, model in models_of.items():
        copy_rows(alias, model, rows[kind])
    for model in (User, memberships, MembershipApplication, *models_of.values()):
        reset_sequence(alias, model)
    return count
