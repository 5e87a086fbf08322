"""Reminders of the yearly return through the outbox: once before the due date, once after it, at
most one of each kind per membership and year, whatever the number of runs."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from notifications.delivery import message_build
from notifications.models import Notification
from registry.models import Representative, YearlyReturn
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user
from workflows import tasks
from workflows.membership import return_reminders_send

pytestmark = pytest.mark.django_db

D = datetime.date
# Admitted in 2020, federation years from 1 January, 90 days: the 2026 return is due by 31 March 2026.
DUE = D(2026, 3, 31)


@pytest.fixture(autouse=True)
def _year(settings):
    settings.MEMBERSHIP_YEAR_START = "01-01"
    settings.RETURN_DUE_DAYS = 90
    settings.RETURN_REMINDER_DAYS_BEFORE = 14


@pytest.fixture
def union(regions):
    membership = MembershipFactory(organization__slug="knus", organization__name="Kenya NUS")
    first = applicant_user(username="first@knus.example", first_name="Amina", last_name="Otieno")
    second = applicant_user(username="second@knus.example")
    representative_add_first(organization=membership.organization, user=first)
    Representative.objects.create(organization=membership.organization, user=second)
    return membership, [first, second]


def reminders(event=None):
    rows = Notification.objects.filter(event__in=[event] if event else ["return_due_soon", "return_overdue"])
    return sorted((n.event, n.recipient_email, n.context["year"]) for n in rows)


def test_nothing_is_sent_before_the_reminder_window(union):
    assert return_reminders_send(on=DUE - datetime.timedelta(days=15)) == []
    assert reminders() == []


def test_each_representative_is_reminded_once_before_the_due_date(union):
    membership, people = union

    created = return_reminders_send(on=DUE - datetime.timedelta(days=14))
    again = return_reminders_send(on=DUE - datetime.timedelta(days=14))
    next_days = [return_reminders_send(on=DUE - datetime.timedelta(days=n)) for n in range(13, -1, -1)]

    assert len(created) == 2
    assert again == []
    assert next_days == [[]] * 14
    assert reminders() == [
        ("return_due_soon", "first@knus.example", 2026),
        ("return_due_soon", "second@knus.example", 2026),
    ]
    row = created[0]
    assert row.context["due_display"] == "31 March 2026"
    assert row.context["link"].endswith("/member/knus/return/")
    assert row.subject_id == membership.pk
    keys = sorted(n.idempotency_key for n in created)
    assert keys == sorted(f"return_due_soon:membership{membership.pk}:y2026:u{p.pk}" for p in people)


def test_two_runs_at_once_write_each_reminder_once(union):
    """The second run does not see the first's rows (as if concurrent): the outbox's unique keys keep one."""
    import workflows.membership as membership_services

    first = return_reminders_send(on=DUE + datetime.timedelta(days=1))
    real = Notification.objects.filter

    def blind(*args, **kwargs):  # the check of reminders already written sees none
        if "event__in" in kwargs:
            return Notification.objects.none()
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(membership_services.Notification.objects, "filter", blind)
        second = return_reminders_send(on=DUE + datetime.timedelta(days=1))

    assert len(first) == 2
    assert second == []
    assert len(reminders("return_overdue")) == 2


def test_each_representative_is_reminded_once_after_the_due_date_is_missed(union):
    return_reminders_send(on=DUE - datetime.timedelta(days=3))

    created = return_reminders_send(on=DUE + datetime.timedelta(days=1))
    later = [return_reminders_send(on=DUE + datetime.timedelta(days=n)) for n in (2, 30, 200)]

    assert len(created) == 2
    assert later == [[], [], []]
    assert reminders("return_overdue") == [
        ("return_overdue", "first@knus.example", 2026),
        ("return_overdue", "second@knus.example", 2026),
    ]
    assert len(reminders()) == 4


def test_a_representative_added_after_the_reminder_gets_none_that_year(union):
    membership, _people = union
    return_reminders_send(on=DUE + datetime.timedelta(days=1))
    Representative.objects.create(
        organization=membership.organization, user=applicant_user(username="late@x.org")
    )

    assert return_reminders_send(on=DUE + datetime.timedelta(days=2)) == []


def test_no_reminder_once_the_return_is_filed(union):
    membership, people = union
    YearlyReturn.objects.create(membership=membership, year=2026, filed_at=timezone.now(), filed_by=people[0])

    assert return_reminders_send(on=DUE - datetime.timedelta(days=1)) == []
    assert return_reminders_send(on=DUE + datetime.timedelta(days=1)) == []


def test_an_ended_membership_is_not_reminded(union):
    membership, _people = union
    membership.state, membership.ended_on, membership.end_reason = "ended", D(2025, 12, 1), "withdrawn"
    membership.save()

    assert return_reminders_send(on=DUE + datetime.timedelta(days=1)) == []


def test_each_year_has_its_own_reminders(union):
    return_reminders_send(on=DUE + datetime.timedelta(days=1))

    created = return_reminders_send(on=D(2027, 4, 1))

    assert {(n.event, n.context["year"]) for n in created} == {("return_overdue", 2027)}


def test_a_union_admitted_during_the_year_is_due_from_its_admission(union, regions):
    late = MembershipFactory(organization__slug="late", admitted_on=D(2026, 6, 1))  # due 29 August 2026
    representative_add_first(organization=late.organization, user=applicant_user(username="rep@late.example"))

    before = return_reminders_send(on=D(2026, 8, 15))

    assert ("rep@late.example", "return_due_soon") in [(n.recipient_email, n.event) for n in before]
    assert {n.event for n in before if n.recipient_email.endswith("knus.example")} == {"return_overdue"}


def test_the_reminders_render_as_e_mails(union):
    rows = return_reminders_send(on=DUE - datetime.timedelta(days=2)) + return_reminders_send(
        on=DUE + datetime.timedelta(days=1)
    )

    messages = [message_build(row) for row in rows if row.recipient_email == "first@knus.example"]

    assert [m.subject for m in messages] == [
        "Yearly return 2026 due by 31 March 2026: Kenya NUS",
        "Yearly return 2026 missing: Kenya NUS",
    ]
    assert "Hello Amina Otieno," in messages[0].body
    assert "/member/knus/return/" in messages[1].body


def test_the_daily_task_is_on_the_beat_schedule_and_sends_the_reminders(union, monkeypatch):
    entry = django_settings.CELERY_BEAT_SCHEDULE["membership-return-reminders"]
    assert entry["task"] == "workflows.tasks.send_return_reminders"
    monkeypatch.setattr("registry.selectors.today", lambda: DUE + datetime.timedelta(days=5))
    monkeypatch.setattr("workflows.membership.today", lambda: DUE + datetime.timedelta(days=5))

    assert tasks.send_return_reminders() == 2
    assert tasks.send_return_reminders() == 0


def test_the_reminders_cost_the_same_queries_for_ten_and_for_fifty_unions(
    union, django_assert_max_num_queries
):
    for n in range(10):
        MembershipFactory(organization__slug=f"u{n}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        return_reminders_send(on=D(2026, 5, 1))
    for n in range(10, 50):
        MembershipFactory(organization__slug=f"u{n}")
    Notification.objects.all().delete()
    with django_assert_max_num_queries(len(ten.captured_queries)):
        return_reminders_send(on=D(2026, 5, 2))
