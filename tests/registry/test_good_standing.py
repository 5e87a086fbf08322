"""Good standing is computed from dated rows, for any date: checked against a brute-force reference.

The reference below walks one membership's history in plain Python (admission, end, suspensions,
returns filed on dates); the selector answers in SQL (``good_standing_q``). They must agree on every
date, for every generated history, whatever the federation year's start and the return's due period.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import (
    EndReason,
    Membership,
    MembershipState,
    MembershipSuspension,
    Organization,
    YearlyReturn,
)
from registry.selectors import (
    federation_year,
    good_standing_expression,
    good_standing_q,
    in_good_standing,
    return_due_on,
    return_status,
)
from tests.factories import MembershipFactory, RegionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)


# --- the reference: one history, in plain Python ---------------------------------------------------------


@dataclass
class History:
    admitted_on: datetime.date
    ended_on: datetime.date | None = None
    suspensions: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)
    returns: dict[int, datetime.datetime] = field(default_factory=dict)  # federation year → filed at


def reference_good_standing(history: History, on: datetime.date, *, year_start: str, due_days: int) -> bool:
    """Active on ``on`` and this federation year's return filed by that day or not yet due."""
    if on < history.admitted_on or (history.ended_on is not None and on >= history.ended_on):
        return False
    if any(start <= on and (end is None or on < end) for start, end in history.suspensions):
        return False
    month, day = map(int, year_start.split("-"))
    year = on.year if on >= D(on.year, month, day) else on.year - 1
    due_period_opens = max(D(year, month, day), history.admitted_on)
    if on <= due_period_opens + datetime.timedelta(days=due_days - 1):
        return True
    filed = history.returns.get(year)
    return filed is not None and filed.date() <= on


# --- generated histories -------------------------------------------------------------------------------


@st.composite
def histories(draw) -> History:
    admitted = draw(st.dates(D(2015, 1, 1), D(2022, 12, 31)))
    # Points after admission, in order: suspensions' bounds, then perhaps the end.
    points = sorted(
        set(draw(st.lists(st.integers(1, 5 * 365), max_size=6))),
    )
    dates = [admitted + datetime.timedelta(days=n) for n in points]
    ended_on = dates.pop() if dates and draw(st.booleans()) else None
    suspensions = []
    while len(dates) >= 2:
        suspensions.append((dates.pop(0), dates.pop(0)))
    if dates and ended_on is None:  # an open suspension
        suspensions.append((dates.pop(0), None))
    returns = {}
    for year in range(admitted.year - 1, admitted.year + 6):
        if draw(st.integers(0, 2)):  # two in three years have a return
            delay = draw(st.integers(-30, 400))
            moment = datetime.datetime.combine(D(year, 1, 1), datetime.time(), tzinfo=datetime.UTC)
            returns[year] = moment + datetime.timedelta(days=delay, seconds=draw(st.integers(0, 86_399)))
    return History(admitted, ended_on, suspensions, returns)


def _store(histories: list[History], region) -> list[Membership]:
    """The histories as rows (bulk inserts: no change history, fast), in order."""
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Generated Union {i}", slug=f"generated-union-{i}", country="KE", region=region
            )
            for i in range(len(histories))
        ]
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                organization=organization,
                admitted_on=history.admitted_on,
                state=MembershipState.ENDED if history.ended_on else MembershipState.ACTIVE,
                ended_on=history.ended_on,
                end_reason=EndReason.LAPSED if history.ended_on else "",
            )
            for organization, history in zip(organizations, histories, strict=True)
        ]
    )
    MembershipSuspension.objects.bulk_create(
        MembershipSuspension(membership=membership, starts_on=start, ends_on=end)
        for membership, history in zip(memberships, histories, strict=True)
        for start, end in history.suspensions
    )
    YearlyReturn.objects.bulk_create(
        YearlyReturn(membership=membership, year=year, filed_at=filed_at)
        for membership, history in zip(memberships, histories, strict=True)
        for year, filed_at in history.returns.items()
    )
    return memberships


def _edges(history: History) -> list[datetime.date]:
    """The days something changes in a history, and the day before each."""
    days = [history.admitted_on, history.ended_on, *(d for s in history.suspensions for d in s)]
    days += [filed.date() for filed in history.returns.values()]
    return [d + shift for d in days if d is not None for shift in (-DAY, 0 * DAY)]


BATCH = 5  # histories per example: 200 examples are 1,000 histories


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(histories(), min_size=BATCH, max_size=BATCH),
    data=st.data(),
    year_start=st.sampled_from(["01-01", "09-01", "07-15", "12-31"]),
    due_days=st.sampled_from([1, 30, 90, 365]),
)
def test_good_standing_equals_the_reference_on_every_date(db, batch, data, year_start, due_days):
    region = RegionFactory(code="standing-test")
    edges = sorted({day for history in batch for day in _edges(history)})
    dates = set(data.draw(st.lists(st.dates(D(2014, 6, 1), D(2029, 1, 1)), min_size=4, max_size=6)))
    dates |= set(data.draw(st.lists(st.sampled_from(edges), min_size=6, max_size=10)))
    with override_settings(MEMBERSHIP_YEAR_START=year_start, RETURN_DUE_DAYS=due_days), transaction.atomic():
        memberships = _store(batch, region)
        pks = [m.pk for m in memberships]
        for on in sorted(dates):
            got = set(Membership.objects.filter(good_standing_q(on), pk__in=pks).values_list("pk", flat=True))
            expected = {
                m.pk
                for m, history in zip(memberships, batch, strict=True)
                if reference_good_standing(history, on, year_start=year_start, due_days=due_days)
            }
            assert got == expected, (
                on,
                year_start,
                due_days,
                [batch[pks.index(pk)] for pk in got ^ expected],
            )
        transaction.set_rollback(True)


def test_the_selector_annotates_as_it_filters(regions):
    """``good_standing_expression`` (an annotation) agrees with ``good_standing_q`` (a filter)."""
    history = History(
        D(2020, 1, 1),
        suspensions=[(D(2021, 2, 1), D(2021, 3, 1))],
        returns={2022: datetime.datetime(2022, 5, 1, tzinfo=datetime.UTC)},
    )
    (membership,) = _store([history], RegionFactory(code="standing-test"))
    dates = [D(2021, 2, 15), D(2021, 3, 1), D(2022, 4, 30), D(2022, 5, 1), D(2023, 1, 1)]
    row = (
        Membership.objects.filter(pk=membership.pk)
        .values(**{f"d{i}": good_standing_expression(on) for i, on in enumerate(dates)})
        .get()
    )
    assert [bool(row[f"d{i}"]) for i in range(len(dates))] == [False, True, False, True, True]
    assert [in_good_standing(membership, on) for on in dates] == [False, True, False, True, True]


# --- the selector's other forms ------------------------------------------------------------------------


def test_good_standing_is_usable_as_an_annotation_and_a_filter(regions):
    on = D(2025, 6, 1)
    filed = MembershipFactory(admitted_on=D(2020, 1, 1))
    YearlyReturn.objects.create(
        membership=filed, year=2025, filed_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    )
    missed = MembershipFactory(admitted_on=D(2020, 1, 1))
    recent = MembershipFactory(admitted_on=D(2025, 5, 1))  # its first return is due 90 days after admission

    annotated = dict(Membership.objects.annotate(good=good_standing_expression(on)).values_list("pk", "good"))
    assert {pk: bool(good) for pk, good in annotated.items()} == {
        filed.pk: True,
        missed.pk: False,
        recent.pk: True,
    }
    assert set(Membership.objects.filter(~Q(good_standing_q(on)))) == {missed}
    assert in_good_standing(filed, on)
    assert not in_good_standing(missed, on)


def test_a_return_filed_late_restores_good_standing_from_its_filing_day_not_before():
    membership = MembershipFactory(admitted_on=D(2020, 1, 1))
    YearlyReturn.objects.create(
        membership=membership, year=2023, filed_at=datetime.datetime(2023, 5, 10, 23, 59, tzinfo=datetime.UTC)
    )

    assert in_good_standing(membership, D(2023, 3, 31))  # the 90th day: the last of the due period
    assert not in_good_standing(membership, D(2023, 4, 1))
    assert not in_good_standing(membership, D(2023, 5, 9))
    assert in_good_standing(membership, D(2023, 5, 10))
    assert not in_good_standing(membership, D(2024, 3, 31))  # 2024 is a leap year: due by 30 March


@override_settings(MEMBERSHIP_YEAR_START="09-01", RETURN_DUE_DAYS=30)
def test_the_federation_year_and_the_due_date_follow_the_settings():
    assert federation_year(D(2025, 8, 31)) == 2024
    assert federation_year(D(2025, 9, 1)) == 2025
    assert return_due_on(2025) == D(2025, 9, 30)
    assert return_due_on(2025, admitted_on=D(2026, 2, 1)) == D(2026, 3, 2)


def test_return_status_tells_the_member_area_what_is_due(regions):
    membership = MembershipFactory(admitted_on=D(2020, 1, 1))

    status = return_status(membership, D(2025, 4, 2))
    assert (status.year, status.due_on, status.filed, status.overdue) == (2025, D(2025, 3, 31), None, True)

    filed = YearlyReturn.objects.create(
        membership=membership, year=2025, filed_at=datetime.datetime(2025, 4, 5, tzinfo=datetime.UTC)
    )
    status = return_status(membership, D(2025, 4, 6))
    assert (status.filed, status.overdue) == (filed, False)
