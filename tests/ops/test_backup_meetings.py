"""Backups of the committee's meetings and of the dues ledger: a meeting held with a named vote, its
minutes approved at the next one, a member's invoices, payments, waiver, credit note and reversal go
through export → import into an empty database → export unchanged; approved minutes keep their
record and hash."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from dues import services as dues_services
from dues.models import Allocation, CreditNote, DuesRate, Invoice, InvoiceCounter, Payment, Waiver
from meetings import services
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    ArchivedMeeting,
    AttendanceStatus,
    Meeting,
    Minutes,
    record_hash,
)
from ops import backup
from tests.cast import application_in
from tests.dues.ledger import member, schedule
from tests.meetings.helpers import convened_meeting, reload
from tests.ops.test_backup import export, minimal_backup, run_manage, wipe_database, write
from workflows.models import ApplicationState, VoteMode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_documents_in_memory")]

K = AgendaItemKind
A = AttendanceStatus
START = datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC)


def _meetings(cast) -> Minutes:
    """A meeting with a report and an application voted by name in the room, closed (its minutes
    generated, one item summarized), the minutes approved at the next meeting."""
    meeting = convened_meeting(cast, START)
    report = services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=K.REPORT, title="Treasurer's report", text="Accounts."
    )
    application = application_in(ApplicationState.REVIEWED, cast, name="Kenya Union of Students")
    item = services.agenda_item_add(
        meeting=meeting, actor=cast.secretariat, kind=K.APPLICATION, application=application
    )
    statuses = [A.PRESENT_IN_PERSON, A.PRESENT_IN_PERSON, A.PRESENT_ONLINE]
    for member_, status in zip(cast.committee, statuses, strict=True):
        services.attendance_record(meeting=meeting, member=member_, status=status, actor=cast.secretariat)
    meeting = services.meeting_open_session(meeting=reload(meeting), actor=cast.secretariat)
    services.item_vote_open(item=item, mode=VoteMode.NAMED, actor=cast.secretariat)
    services.item_vote_record_named(
        item=item,
        choices=dict(zip(cast.committee, ["yes", "yes", "no"], strict=True)),
        actor=cast.secretariat,
    )
    services.item_vote_close(item=item, actor=cast.secretariat)
    meeting = services.meeting_close(meeting=reload(meeting), actor=cast.secretariat)
    services.minutes_item_summary_set(item=report, text="Accounts received.", actor=cast.committee[1])

    later = convened_meeting(cast, START + datetime.timedelta(days=30), title="Executive Committee, February")
    minutes = Minutes.objects.get(meeting=meeting)
    approval = services.agenda_item_add(
        meeting=later, actor=cast.secretariat, kind=K.MINUTES, minutes=minutes
    )
    for member_ in cast.committee:
        services.attendance_record(
            meeting=later, member=member_, status=A.PRESENT_IN_PERSON, actor=cast.secretariat
        )
    services.meeting_open_session(meeting=reload(later), actor=cast.secretariat)
    return services.minutes_approve(item=approval, actor=cast.committee[0])


def _ledger(cast) -> None:
    """Two years of a member's dues: 2025 cancelled by a credit note; 2026 partly waived, paid in two
    payments, the second reversed."""
    schedule(2025)
    schedule(2026)
    membership = member()
    staff = cast.secretariat
    cancelled = dues_services.invoice_create(membership=membership, year=2025, on=datetime.date(2025, 1, 1))
    dues_services.invoice_cancel(
        invoice=cancelled, actor=staff, reason="Billed twice.", on=datetime.date(2025, 2, 1)
    )
    invoice = dues_services.invoice_create(membership=membership, year=2026, on=datetime.date(2026, 1, 1))
    dues_services.waiver_grant(
        invoice=invoice, actor=staff, amount=Decimal("50.00"), reason="Flood.", on=datetime.date(2026, 1, 10)
    )
    for day, reference in ((15, "TRF-1"), (20, "TRF-2")):
        payment = dues_services.payment_record(
            membership=membership,
            actor=staff,
            paid_on=datetime.date(2026, 1, day),
            amount=Decimal("300.00"),
            currency="EUR",
            method="bank_transfer",
            reference=reference,
            on=datetime.date(2026, 1, day),
        )
    dues_services.payment_reverse(
        payment=payment, actor=staff, reason="Bounced.", on=datetime.date(2026, 1, 25)
    )


@pytest.fixture
def record(cast, settings):
    settings.MEETING_QUORUM = "1/2"
    minutes = _meetings(cast)
    _ledger(cast)
    return minutes


def _ledger_rows() -> dict[str, list]:
    """The dues ledger as comparable values: keys that survive an import, every time kept."""
    return {
        "rates": list(
            DuesRate.objects.order_by("year").values_list("year", "category", "amount_minor", "currency")
        ),
        "counters": list(InvoiceCounter.objects.order_by("year").values_list()),
        "invoices": list(
            Invoice.objects.order_by("number").values_list(
                "number",
                "membership__organization__slug",
                "seq",
                "issued_on",
                "due_on",
                "amount_minor",
                "category",
                "students_from",
                "created_at",
            )
        ),
        "credit_notes": list(
            CreditNote.objects.values_list("invoice__number", "amount_minor", "reason", "created_at")
        ),
        "waivers": list(
            Waiver.objects.values_list("invoice__number", "amount_minor", "booked_on", "created_at")
        ),
        "payments": list(
            Payment.objects.order_by("pk").values_list(
                "reference",
                "paid_on",
                "booked_on",
                "amount",
                "amount_minor",
                "reverses__reference",
                "created_at",
            )
        ),
        "allocations": sorted(
            Allocation.objects.values_list(
                "payment__reference", "payment__amount_minor", "invoice__number", "amount_minor"
            )
        ),
    }


def test_meetings_and_the_dues_ledger_are_in_the_backup(record, cast):
    data = json.loads(export())
    held, later = data["meetings"]

    assert (held["state"], later["state"]) == ("minutes_approved", "in_session")
    assert [(i["position"], i["kind"]) for i in held["agenda"]] == [(1, "report"), (2, "application")]
    subject = held["agenda"][1]["subject"]
    assert (subject["name"], subject["state"]) == ("Kenya Union of Students", "admitted")
    (named,) = held["agenda"][1]["rounds"]
    assert (named["mode"], named["yes"], named["no"], named["outcome"]) == ("named", 2, 1, "passed")
    assert sorted(row["status"] for row in held["attendance"]) == [
        "present_in_person",
        "present_in_person",
        "present_online",
    ]
    assert later["agenda"][0]["subject"] == {"minutes_of": held["uid"]}
    minutes = held["minutes"]
    assert minutes["sha256"] == record.sha256 == record_hash(minutes["record"])
    assert minutes["approved_at"] is not None
    assert minutes["approved_by"]
    assert minutes["summaries"] == {"1": "Accounts received."}  # by agenda position, not by row id
    (decision,) = [d for d in data["decisions"] if d["name"] == "Kenya Union of Students"]
    assert decision["vote_rounds"][0]["mode"] == "named"

    (ledger,) = [m for m in data["memberships"] if m["invoices"]]
    assert [i["number"] for i in ledger["invoices"]] == list(
        Invoice.objects.order_by("year").values_list("number", flat=True)
    )
    assert ledger["invoices"][0]["credit_note"]["reason"] == "Billed twice."
    assert ledger["invoices"][1]["waivers"][0]["amount_minor"] == 5000
    # What each invoice was priced for goes with it: a later change of category shows no other price.
    assert [(i["category"], i["students_from"]) for i in ledger["invoices"]] == list(
        Invoice.objects.order_by("year").values_list("category", "students_from")
    )
    assert [(p["reference"], p["amount"], p["reverses"]) for p in ledger["payments"]] == [
        ("TRF-1", "300.000", None),
        ("TRF-2", "300.000", None),
        ("TRF-2", "-300.000", 1),
    ]
    assert [r["year"] for r in data["dues_rates"]] == [2025, 2026]
    # People are named as the minutes name them; their e-mail addresses and accounts stay out.
    assert "password" not in json.dumps(data)


def wipe_everything() -> None:
    """``wipe_database`` and the meetings (approved minutes deleted past their refusal, as only a test
    may) and the dues ledger."""
    from django.apps import apps

    AgendaItem.objects.all().delete()  # an approval item protects the minutes it approved
    Allocation.objects.all().delete()
    Payment.objects.filter(reverses__isnull=False).delete()  # a reversal protects its payment
    models.QuerySet.delete(Minutes.objects.all().order_by())  # past the refusal of frozen minutes
    for app in ("meetings", "dues"):
        rows = [m for m in apps.get_app_config(app).get_models() if m is not Minutes]
        for _ in range(len(rows)):
            rows = [m for m in rows if _delete_or_keep(m)]
    wipe_database()
    assert not Meeting.objects.exists()
    assert not Invoice.objects.exists()


def _delete_or_keep(model) -> bool:
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError, RestrictedError

    try:
        with transaction.atomic():
            model.objects.all().delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        return True
    return False


def test_an_import_into_an_empty_database_restores_meetings_minutes_and_ledger(record, tmp_path):
    first = export()
    ledger = _ledger_rows()
    wipe_everything()

    call_command("import_registry", write(tmp_path, first), stdout=io.StringIO())

    assert export() == first
    assert _ledger_rows() == ledger
    archived = {m.title: m for m in ArchivedMeeting.objects.all()}
    held = archived["Executive Committee, December session"]
    assert held.state == "minutes_approved"
    assert held.uid == record.meeting.uid
    assert held.minutes_verify()  # the record as stored still has its hash
    assert held.data["minutes"]["sha256"] == record.sha256
    assert not archived["Executive Committee, February"].minutes_verify()  # no minutes yet
    # The restored ledger goes on: the next invoice number follows the restored counter.
    assert InvoiceCounter.objects.get(year=2026).last == Invoice.objects.filter(year=2026).count()
    # A second restore over the first (--replace) deletes the restored ledger and meetings first.
    call_command("import_registry", write(tmp_path, first), "--replace", stdout=io.StringIO())
    assert export() == first
    assert ArchivedMeeting.objects.count() == 2


def test_a_database_with_meetings_is_not_restored_into(cast, tmp_path):
    convened_meeting(cast, START)  # no application on its agenda: the meeting alone refuses

    with pytest.raises(CommandError, match="The database has 1 meetings"):
        call_command("import_registry", write(tmp_path, minimal_backup()), "--replace", stdout=io.StringIO())
    assert Meeting.objects.count() == 1


def test_archived_meetings_are_read_only_in_the_admin(record, tmp_path, client, settings):
    from tests.factories import secretariat_user

    settings.OFFICERS_REQUIRE_MFA = False
    first = export()
    wipe_everything()
    call_command("import_registry", write(tmp_path, first), stdout=io.StringIO())
    archived = ArchivedMeeting.objects.get(state="minutes_approved")
    client.force_login(secretariat_user())

    page = client.get(reverse("admin:meetings_archivedmeeting_change", args=[archived.pk]))
    assert page.status_code == 200
    assert archived.data["minutes"]["sha256"] in page.content.decode()
    assert client.get(reverse("admin:meetings_archivedmeeting_add")).status_code == 403
    delete = client.post(
        reverse("admin:meetings_archivedmeeting_delete", args=[archived.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert ArchivedMeeting.objects.filter(pk=archived.pk).exists()


def test_the_restore_writes_the_ledger_in_bulk(record, tmp_path, django_assert_max_num_queries):
    """A constant number of statements, whatever the number of rows: no INSERT per row (on PostgreSQL the
    organizations, memberships and decisions take two each: their keys, then COPY)."""
    first = export()
    wipe_everything()
    with django_assert_max_num_queries(63):
        call_command("import_registry", write(tmp_path, first), stdout=io.StringIO())


def test_round_trip_of_meetings_and_ledger_through_a_fresh_database(record, tmp_path):
    """Into a newly migrated database (SQLite) in another process: the same bytes, the minutes verified."""
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.write_text(export(), encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    check = (
        "from meetings.models import ArchivedMeeting as M; "
        "print(sorted((m.title, m.minutes_verify()) for m in M.objects.all()))"
    )
    for args in (
        ("migrate", "--no-input", "-v0"),
        ("import_registry", str(first)),
        ("export_registry", "--output", str(second)),
        ("shell", "-c", check),
    ):
        result = run_manage(*args, env_extra=env)
        assert result.returncode == 0, result.stderr

    assert second.read_bytes() == first.read_bytes()
    assert result.stdout.strip().splitlines()[-1] == (
        "[('Executive Committee, December session', True), ('Executive Committee, February', False)]"
    )


def test_minutes_whose_record_was_changed_are_refused(record, tmp_path):
    data = json.loads(export())
    data["meetings"][0]["minutes"]["record"]["items"][1]["decision"] = "rejected"
    wipe_everything()

    with pytest.raises(Exception, match="does not have the SHA-256"):
        call_command("import_registry", write(tmp_path, data), stdout=io.StringIO())
    assert not ArchivedMeeting.objects.exists()


def test_a_reversal_must_name_an_earlier_payment(tmp_path):
    data = minimal_backup()
    payment = {
        "paid_on": "2021-01-05",
        "booked_on": "2021-01-05",
        "amount": "-10.000",
        "currency": "EUR",
        "rate": None,
        "amount_minor": -1000,
        "method": "bank_transfer",
        "reference": "X",
        "note": "",
        "created_at": "2021-01-05T00:00:00.000000Z",
        "reverses": 0,
        "allocations": [],
    }
    data["memberships"][0]["payments"] = [payment]

    with pytest.raises(Exception, match="reverses 0: not an earlier payment"):
        call_command("import_registry", write(tmp_path, data), stdout=io.StringIO())
    assert not Payment.objects.exists()


def test_a_version_3_backup_imports_without_dues_or_meetings_its_rounds_online(tmp_path):
    old = minimal_backup(version=3)
    for section in ("dues_rates", "invoice_counters", "meetings"):
        del old[section]
    for key in ("invoices", "payments"):
        del old["memberships"][0][key]
    old["decisions"] = [
        {
            "name": "Kenya National Union of Students",
            "acronym": "KNUS",
            "country": "KE",
            "region": "africa-east",
            "city": "Nairobi",
            "kind": "national_union",
            "organization": "kenya-nus",
            "state": "admitted",
            "created_at": "2020-01-01T10:00:00.000000Z",
            "submitted_at": "2020-01-02T10:00:00.000000Z",
            "decided_at": "2020-05-01T10:00:00.000000Z",
            "vote_rounds": [
                {
                    "number": 1,
                    "category": "full",
                    "opened_at": "2020-04-01T10:00:00.000000Z",
                    "deadline": "2020-04-15T10:00:00.000000Z",
                    "closed_at": "2020-04-15T10:00:00.000000Z",
                    "rules": {"base": "yes_no", "majority": "simple", "quorum": "1/2"},
                    "outcome": "passed",
                    "is_void": False,
                    "yes": 3,
                    "no": 0,
                    "abstain": 0,
                    "eligible": 3,
                }
            ],
        }
    ]

    call_command("import_registry", write(tmp_path, old), stdout=io.StringIO())

    data = json.loads(export())
    assert data["version"] == backup.VERSION
    assert (data["dues_rates"], data["invoice_counters"], data["meetings"]) == ([], [], [])
    (vote_round,) = data["decisions"][0]["vote_rounds"]
    assert (vote_round["mode"], vote_round["recorded_at"]) == ("online", None)
