"""The public page of the Executive Committee's decisions (/decisions/): admissions and carried
motions per meeting from the minutes' stored record, never a tally or a voter's name; links to the
directory only for today's affiliates; Arabic right to left; a CSV of the same rows; a constant
number of queries however many meetings and decisions."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone, translation

from meetings.models import Meeting, MeetingState, Minutes
from meetings.selectors import PublicDecision
from portal.views import decisions as decisions_view
from portal.views.decisions import decision_label
from registry import csv_export
from registry.models import MembershipState
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, secretariat_user
from tests.fetches import fetches, rows_read_in_batches_of
from workflows.models import Motion, MotionKind

pytestmark = pytest.mark.django_db

VOTER = "Selin Kaya"
START = datetime.datetime(2027, 3, 15, 9, tzinfo=datetime.UTC)


def _round(category="", outcome="passed"):
    """A round as the minutes keep it, with a tally and a named vote the page must never show."""
    return {
        "number": 1,
        "mode": "named",
        "category": category,
        "outcome": outcome,
        "yes": 17,
        "no": 3,
        "abstain": 2,
        "eligible": 23,
        "votes": [{"name": VOTER, "choice": "yes"}],
        "recusals": [{"name": "Omar Haddad", "reason": "Former officer"}],
    }


def admission(application, *, name, country="KE", category="full", decision="admitted"):
    return {
        "kind": "application",
        "application": application.pk if application else 999_999,
        "organization": name,
        "acronym": "",
        "country": country,
        "rounds": [_round(category)],
        "decision": decision,
    }


def carried(motion, *, kind=None, name, country="KE", acronym=""):
    return {
        "kind": "motion",
        "motion": motion.pk if motion else 999_999,
        "motion_kind": kind or motion.kind,
        "organization": name,
        "acronym": acronym,
        "country": country,
        "rounds": [_round()],
        "decision": "carried",
    }


def meeting_with_minutes(
    items, *, title="Executive Committee, March session", starts_at=START, approved=True
):
    """A closed meeting (its minutes approved, or still a draft) whose record holds ``items``."""
    user = secretariat_user()
    state = MeetingState.MINUTES_APPROVED if approved else MeetingState.CLOSED
    meeting = Meeting.objects.create(
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        chair=user,
        minute_taker=user,
        created_by=user,
        place="Headquarters, Istanbul",
        state=state,
    )
    record = {
        "meeting": {"id": meeting.pk, "title": title, "starts_at": starts_at.isoformat()},
        "attendance": {"present_in_person": [VOTER]},
        "items": [
            {"item": n, "position": n, "title": "", "text": "", **item} for n, item in enumerate(items, 1)
        ],
    }
    return Minutes.objects.create(
        meeting=meeting,
        record=record,
        sha256="0" * 64,
        generated_at=timezone.now(),
        generated_by=user,
        approved_at=timezone.now() if approved else None,
        approved_by=user if approved else None,
    )


def motion_on(membership, kind):
    return Motion.objects.create(membership=membership, kind=kind, proposed_by=secretariat_user())


def admitted_application(organization):
    """An application whose admission created an active membership of ``organization``."""
    application = ApplicationFactory(name=organization.name)
    membership = MembershipFactory(organization=organization)
    type(application).objects.filter(pk=application.pk).update(membership=membership)
    return application


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_page_shows_admissions_and_carried_motions_without_tally_or_voter(client):
    kenya = OrganizationFactory(name="Kenya Union of Students", slug="kus", country="KE")
    suspended = MembershipFactory(organization=OrganizationFactory(name="Union Alpha", country="FR"))
    lapsed = MembershipFactory(organization=OrganizationFactory(name="Union Beta", country="GH"))
    meeting_with_minutes(
        [
            admission(admitted_application(kenya), name=kenya.name),
            admission(None, name="Union rejetée", decision="rejected"),
            carried(motion_on(suspended, MotionKind.SUSPEND), name="Union Alpha", country="FR"),
            carried(motion_on(lapsed, MotionKind.LAPSE), name="Union Beta", country="GH"),
            {
                "kind": "motion",
                "motion": 1,
                "motion_kind": "expel",
                "organization": "Union Gamma",
                "acronym": "",
                "country": "KE",
                "rounds": [_round(outcome="failed")],
                "decision": "defeated",
            },
        ]
    )

    response = client.get("/decisions/")

    assert response.status_code == 200
    text = _text(response)
    assert "Decisions of the Executive Committee" in text
    assert "Executive Committee, March session" in text
    assert "Admitted as full member: Kenya Union of Students (Kenya)" in text
    assert "Suspended: Union Alpha (France)" in text
    assert "Membership ended (lapsed for unpaid dues): Union Beta (Ghana)" in text
    assert "Union rejetée" not in text  # a rejection is not published
    assert "Union Gamma" not in text  # nor a defeated motion
    for secret in (VOTER, "Omar Haddad", "17", "23", "Former officer"):
        assert secret not in text
    assert "<bdi>Kenya Union of Students</bdi>" in response.content.decode()
    assert "<script" not in response.content.decode().split("<main")[-1].split("</main>")[0]


def test_approved_and_draft_minutes_are_told_apart(client):
    meeting_with_minutes([admission(None, name="Union One")], title="Approved session", starts_at=START)
    meeting_with_minutes(
        [admission(None, name="Union Two", category="observer")],
        title="Draft session",
        starts_at=START + datetime.timedelta(days=30),
        approved=False,
    )

    html = client.get("/decisions/").content.decode()

    draft, approved = html.index("Draft session"), html.index("Approved session")
    assert draft < approved  # newest meeting first
    assert 'data-minutes="draft">draft minutes<' in html[draft:approved]
    assert 'data-minutes="approved">minutes approved<' in html[approved:]
    assert "Admitted as observer" in _text(client.get("/decisions/"))


def test_a_union_links_to_the_directory_only_while_it_is_an_affiliate(client):
    today = OrganizationFactory(name="Union Today", slug="union-today")
    gone = OrganizationFactory(name="Union Gone", slug="union-gone")
    suspended = MembershipFactory(organization=gone, state=MembershipState.SUSPENDED)
    meeting_with_minutes(
        [
            admission(admitted_application(today), name="Union Today"),
            carried(motion_on(suspended, MotionKind.SUSPEND), name="Union Gone"),
            admission(None, name="Union Unknown"),
        ]
    )

    html = client.get("/decisions/").content.decode()

    assert '<a href="/directory/union-today/"><bdi>Union Today</bdi></a>' in html
    assert "/directory/union-gone/" not in html
    assert "Suspended: <bdi>Union Gone</bdi>" in html
    assert "<bdi>Union Unknown</bdi>" in html


def test_an_empty_page_says_so(client):
    meeting_with_minutes([admission(None, name="Not yet public")], approved=False)
    Meeting.objects.filter(state=MeetingState.CLOSED).update(state=MeetingState.IN_SESSION)

    text = _text(client.get("/decisions/"))

    assert "The Executive Committee has not published any decision yet." in text
    assert "Not yet public" not in text


def test_the_arabic_page_is_right_to_left_with_names_isolated(client):
    org = OrganizationFactory(name="Kenya Union of Students", slug="kus")
    meeting_with_minutes([admission(admitted_application(org), name=org.name)])

    html = client.get("/decisions/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert re.search(r'<html[^>]*dir="rtl"', html)
    assert 'lang="ar"' in html
    assert "<bdi>Kenya Union of Students</bdi>" in html
    assert "Admitted as full member" not in html  # said in Arabic
    assert "كينيا" in html  # the country's name in Arabic


def test_the_csv_has_the_same_rows_with_formulas_neutralised(client):
    org = OrganizationFactory(name="Kenya Union of Students", slug="kus")
    suspended = MembershipFactory(organization=OrganizationFactory(name="=HYPERLINK(1)"))
    meeting_with_minutes(
        [
            admission(admitted_application(org), name=org.name),
            carried(motion_on(suspended, MotionKind.SUSPEND), name="=HYPERLINK(1)"),
        ]
    )

    response = client.get("/decisions/?csv=1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="decisions.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Meeting",
        "Date",
        "Minutes",
        "Decision",
        "Union",
        "Acronym",
        "Country code",
        "Country",
    ]
    assert rows[1] == [
        "Executive Committee, March session",
        "2027-03-15",
        "Minutes approved",
        "Admitted as full member",
        "Kenya Union of Students",
        "",
        "KE",
        "Kenya",
    ]
    assert rows[2][3:5] == ["Suspended", "'=HYPERLINK(1)"]
    assert len(rows) == 3
    assert VOTER not in str(rows)


def test_the_csv_reads_the_minutes_a_page_at_a_time_and_writes_the_same_bytes(client, monkeypatch):
    for n in range(5):
        meeting_with_minutes(
            [admission(None, name=f"Union {n}.{i}") for i in range(2)],
            title=f"Session {n}",
            starts_at=START + datetime.timedelta(days=n),
        )
    whole = b"".join(client.get("/decisions/?csv=1").streaming_content)
    monkeypatch.setattr(decisions_view, "MEETINGS_PER_PAGE", 2)
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 3)
    with fetches() as calls:
        chunks = list(client.get("/decisions/?csv=1").streaming_content)

    assert b"".join(chunks) == whole
    assert whole.count(b"Admitted as full member") == 10
    assert [chunk.count(b"\r\n") for chunk in chunks] == [1, 3, 3, 3, 1]  # the header, then 3 rows a chunk
    assert [count for count in rows_read_in_batches_of(calls, 2) if count] == [2, 2, 1]


def test_pages_of_twenty_meetings_in_a_constant_number_of_queries(client, django_assert_num_queries):
    def fill(count, offset=0):
        for n in range(count):
            org = OrganizationFactory()
            meeting_with_minutes(
                [admission(admitted_application(org), name=org.name)],
                title=f"Session {offset + n}",
                starts_at=START + datetime.timedelta(days=offset + n),
            )

    fill(2)
    with django_assert_num_queries(3) as few:
        client.get("/decisions/")
    fill(21, offset=2)
    with django_assert_num_queries(len(few.captured_queries)):
        first = client.get("/decisions/")
    second = client.get("/decisions/?page=2")

    assert _text(first).count("Admitted as full member") == 20
    assert 'rel="next"' in first.content.decode()
    assert "<bdi>Session 22</bdi>" in first.content.decode()
    assert "<bdi>Session 3</bdi>" in first.content.decode()
    assert "<bdi>Session 2</bdi>" not in first.content.decode()
    assert "<bdi>Session 2</bdi>" in second.content.decode()
    assert _text(second).count("Admitted as full member") == 3
    assert client.get("/decisions/?page=x").status_code == 200  # a bad page number is the first page


@pytest.mark.parametrize("kind", MotionKind.values)
def test_every_kind_of_motion_carried_has_its_own_wording_in_every_language(kind):
    decision = PublicDecision(
        kind="motion",
        decision="carried",
        motion_kind=kind,
        organization="U",
        acronym="",
        country="",
        category="",
    )
    labels = set()
    for language in ("en", "ar", "fr", "tr"):
        with translation.override(language):
            labels.add(decision_label(decision))
    assert decision_label(decision) != "Motion carried"
    assert len(labels) == 4  # translated everywhere
