"""``affiliate_list`` builds its query once per day and shares it: the answers still follow the
day, the settings and the rows."""

import datetime

import pytest
from django.utils import timezone

from registry.models import YearlyReturn
from registry.selectors import affiliate_rows, federation_year, today
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def standing() -> dict[str, bool]:
    return {row["slug"]: bool(row["in_good_standing"]) for row in affiliate_rows()}


@pytest.fixture
def year_start(settings) -> datetime.date:
    """This federation year started 100 days ago and its return was due within 30 days."""
    start = today() - datetime.timedelta(days=100)
    if (start.month, start.day) == (2, 29):
        start -= datetime.timedelta(days=1)
    settings.MEMBERSHIP_YEAR_START = start.strftime("%m-%d")
    settings.RETURN_DUE_DAYS = 30
    return start


def test_the_shared_query_follows_the_settings_the_day_and_the_rows(settings, monkeypatch, year_start):
    membership = MembershipFactory(organization__slug="late", admitted_on=datetime.date(2019, 6, 14))
    assert standing() == {"late": False}
    assert standing() == {"late": False}  # the second time from the shared query

    settings.RETURN_DUE_DAYS = 365
    assert standing() == {"late": True}
    settings.RETURN_DUE_DAYS = 30
    assert standing() == {"late": False}

    with monkeypatch.context() as patched:
        patched.setattr("registry.selectors.today", lambda: year_start + datetime.timedelta(days=10))
        assert standing() == {"late": True}  # that day the return was not due yet
    assert standing() == {"late": False}

    YearlyReturn.objects.create(membership=membership, year=federation_year(today()), filed_at=timezone.now())
    assert standing() == {"late": True}


def test_each_list_is_a_query_of_its_own(year_start):
    MembershipFactory(organization__slug="first")
    first = affiliate_rows()
    assert [row["slug"] for row in first] == ["first"]

    MembershipFactory(organization__slug="second")

    assert sorted(row["slug"] for row in affiliate_rows()) == ["first", "second"]
    assert [row["slug"] for row in first] == ["first"]  # evaluated once, as any queryset
