"""The change feed: every change to the directory, in order, so that a partner's copy stays exact."""

import datetime
import random

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from registry import feed
from registry.models import DirectoryEvent, EndReason, MembershipCategory, YearlyReturn
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from registry.tasks import directory_feed_sweep
from tests.api.feed_history import Partner, decide, directory
from tests.cast import application_in
from tests.factories import MembershipFactory, applicant_user
from workflows import membership as member_services
from workflows import motions
from workflows.models import MotionKind

pytestmark = pytest.mark.django_db


def events(partner_client, after=0):
    response = partner_client.get("/api/v1/changes/", {"after": after})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def union(cast):
    """An active full member, already in the feed (the daily sweep published it), and its representative."""
    membership = MembershipFactory(admitted_on=datetime.date(2019, 3, 1), category=MembershipCategory.FULL)
    representative = applicant_user(first_name="Yusuf", last_name="Demir")
    representative_add_first(organization=membership.organization, user=representative)
    feed.publish_all()
    return membership, representative


def carry(cast, membership, kind, **data):
    data.setdefault("reason", "No yearly return since 2023 and no answer to three letters.")
    motion = motions.motion_propose(membership=membership, actor=cast.secretariat, kind=kind, **data)
    motions.motion_vote_open(motion=motion, actor=cast.secretariat)
    for member in cast.committee:
        motion.refresh_from_db()
        motions.motion_vote_cast(motion=motion, member=member, choice="yes")
    motion.refresh_from_db()
    return motion


# --- each decision, one event --------------------------------------------------------------------------


def test_an_admission_is_one_event_with_the_entry_the_directory_shows_and_the_application(
    cast, partner_client
):
    application = application_in("admitted", cast)
    [event] = events(partner_client)
    slug = application.organization.slug
    assert (event["id"], event["type"], event["slug"], event["previous_slug"]) == (
        1,
        "member.admitted",
        slug,
        None,
    )
    assert event["decision"] == {"type": "application", "id": application.pk}
    assert event["affiliate"] == partner_client.get(f"/api/v1/affiliates/{slug}/").json()
    assert event["affiliate"]["email"] == application.email
    assert (event["changed"], event["membership"]) == ([], None)


def test_anonymous_readers_get_the_entries_without_the_e_mail(cast, api_client):
    application_in("admitted", cast)
    [event] = api_client.get("/api/v1/changes/").json()["results"]
    assert "email" not in event["affiliate"]
    assert event["affiliate"] == api_client.get(f"/api/v1/affiliates/{event['slug']}/").json()


def test_motions_carried_give_suspended_reinstated_category_changed_and_ended(cast, union, partner_client):
    membership, _ = union
    start = feed.last_seq()
    suspend = carry(cast, membership, MotionKind.SUSPEND)
    reinstate = carry(cast, membership, MotionKind.REINSTATE, reason="The union filed its returns.")
    change = carry(cast, membership, MotionKind.CHANGE_CATEGORY, category=MembershipCategory.ASSOCIATE)
    expel = carry(cast, membership, MotionKind.EXPEL)
    found = events(partner_client, after=start)
    assert [(e["type"], e["decision"]) for e in found] == [
        ("member.suspended", {"type": "motion", "id": suspend.pk}),
        ("member.reinstated", {"type": "motion", "id": reinstate.pk}),
        ("member.category_changed", {"type": "motion", "id": change.pk}),
        ("member.ended", {"type": "motion", "id": expel.pk}),
    ]
    suspended, reinstated, changed, ended = found
    slug = membership.organization.slug
    assert suspended["affiliate"] is None
    assert suspended["slug"] == slug
    # A suspension's reasons stay with the committee: the public feed says only since when.
    assert suspended["membership"] == {"state": "suspended", "since": today().isoformat(), "reason": None}
    assert reinstated["affiliate"]["slug"] == slug
    assert reinstated["membership"] is None
    assert changed["affiliate"]["category"] == "associate"
    assert changed["changed"] == ["category"]
    assert ended["affiliate"] is None
    assert ended["membership"] == {
        "state": "ended",
        "since": today().isoformat(),
        "reason": EndReason.EXPELLED,
    }
    assert partner_client.get(f"/api/v1/affiliates/{slug}/").status_code == 404


def test_a_profile_change_names_the_fields_and_an_unchanged_save_records_nothing(cast, union, partner_client):
    membership, representative = union
    organization = membership.organization
    start = feed.last_seq()
    member_services.organization_profile_update(
        organization=organization,
        actor=representative,
        data={"website": "https://knus.example.org", "city": "Mombasa"},
    )
    member_services.organization_profile_update(
        organization=organization, actor=representative, data={"website": "https://knus.example.org"}
    )
    [event] = events(partner_client, after=start)
    assert (event["type"], event["changed"], event["decision"]) == (
        "member.updated",
        ["city", "website"],
        None,
    )
    assert (event["affiliate"]["city"], event["affiliate"]["website"]) == (
        "Mombasa",
        "https://knus.example.org",
    )


def test_good_standing_lost_by_the_calendar_is_recorded_by_the_daily_sweep_and_a_return_restores_it(
    cast, union, partner_client, monkeypatch
):
    membership, representative = union
    year = federation_year(today())
    monkeypatch.setattr("registry.selectors.today", lambda: datetime.date(year, 2, 1))  # return not due yet
    directory_feed_sweep()
    start = feed.last_seq()
    assert directory_feed_sweep() == 0  # nothing changed
    late = datetime.date(year, 12, 31)  # the return was due 90 days after the year began
    monkeypatch.setattr("registry.selectors.today", lambda: late)
    monkeypatch.setattr("workflows.membership.today", lambda: late)
    assert directory_feed_sweep() == 1
    assert directory_feed_sweep() == 0  # a second run finds nothing new
    member_services.yearly_return_file(
        membership=membership,
        actor=representative,
        data={"students_represented": 1200, "activities": "A congress in Mombasa.", "officers": []},
    )
    lost, regained = events(partner_client, after=start)
    assert (lost["type"], lost["changed"], lost["affiliate"]["in_good_standing"]) == (
        "member.standing_changed",
        ["in_good_standing"],
        False,
    )
    assert (regained["type"], regained["affiliate"]["in_good_standing"]) == ("member.standing_changed", True)
    assert YearlyReturn.objects.filter(membership=membership, year=year).exists()


def test_an_admin_edit_of_a_membership_is_published(cast, union, admin_client, partner_client):
    membership, _ = union
    start = feed.last_seq()
    response = admin_client.post(
        f"/admin/registry/membership/{membership.pk}/change/",
        {
            "organization": membership.organization_id,
            "category": "observer",
            "state": "active",
            "admitted_on": "2019-03-01",
            "ended_on": "",
            "end_reason": "",
            "suspensions-TOTAL_FORMS": "0",
            "suspensions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    [event] = events(partner_client, after=start)
    assert (event["type"], event["affiliate"]["category"]) == ("member.category_changed", "observer")


# --- a partner's copy equals the directory, at any moment ---------------------------------------------------


def test_a_partner_replaying_from_zero_at_five_moments_of_a_long_random_history_holds_the_directory(
    regions, partner_client, monkeypatch
):
    rng = random.Random(20261130)
    day = datetime.date(2026, 1, 1)
    monkeypatch.setattr("registry.selectors.today", lambda: day)
    follower = Partner(partner_client)  # follows all along, reading now and then
    kinds = set()
    for moment in range(5):
        for _ in range(60):
            kinds.add(decide(rng, on=day))
            if rng.random() < 0.1:
                day += datetime.timedelta(days=rng.randrange(1, 60))
                monkeypatch.setattr("registry.selectors.today", lambda day=day: day)
                directory_feed_sweep()  # what the calendar changed: good standing
            if rng.random() < 0.2:
                follower.poll(limit=7)
        replay = Partner(partner_client)
        replay.poll()
        assert replay.copy == directory(partner_client), f"moment {moment}"
        assert replay.seen == list(range(1, feed.last_seq() + 1))
    follower.poll()
    assert follower.copy == directory(partner_client)
    assert follower.seen == list(range(1, feed.last_seq() + 1))  # each event exactly once
    assert {"admit", "suspend", "reinstate", "end", "category", "edit", "return"} <= kinds
    types = set(DirectoryEvent.objects.values_list("type", flat=True))
    assert types == {
        "member.admitted",
        "member.updated",
        "member.category_changed",
        "member.standing_changed",
        "member.suspended",
        "member.reinstated",
        "member.ended",
    }
    assert len(directory(partner_client)) > 20


def test_a_region_renamed_in_the_admin_is_published_for_its_affiliates(
    cast, union, admin_client, partner_client
):
    membership, _ = union
    region = membership.organization.region
    start = feed.last_seq()
    response = admin_client.post(
        f"/admin/registry/region/{region.pk}/change/",
        {
            "code": region.code,
            "name": "East Africa and the Great Lakes",
            "parent": "",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    [event] = events(partner_client, after=start)
    assert (event["type"], event["changed"]) == ("member.updated", ["region"])
    assert event["affiliate"]["region"]["name"] == "East Africa and the Great Lakes"


# --- the cursor -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=-1", "after"),
        ("after=abc", "after"),
        ("after=1.5", "after"),
        ("after=", "after"),
        ("after=1&after=2", "after"),
        ("after=99999999999999999999", "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_a_malformed_cursor_or_limit_is_a_400_naming_the_parameter(api_client, query, field):
    response = api_client.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert list(body["details"]) == [field]


def test_an_id_beyond_the_latest_is_a_404_and_the_latest_itself_an_empty_page(cast, api_client):
    application_in("admitted", cast)
    response = api_client.get("/api/v1/changes/?after=2")
    assert response.status_code == 404
    assert "No event has this id yet" in response.json()["error"]["message"]
    body = api_client.get("/api/v1/changes/?after=1").json()
    assert (body["results"], body["next_after"], body["has_more"], body["last_id"]) == ([], 1, False, 1)
    assert body["next"] == "http://testserver/api/v1/changes/?after=1&limit=100"


def test_pages_follow_on_with_next_after_and_has_more(regions, partner_client):
    rng = random.Random(7)
    while feed.last_seq() < 5:
        decide(rng, on=today())
    first = partner_client.get("/api/v1/changes/?limit=2").json()
    assert ([e["id"] for e in first["results"]], first["next_after"], first["has_more"]) == ([1, 2], 2, True)
    second = partner_client.get(first["next"]).json()  # the same limit, after the last one read
    assert ([e["id"] for e in second["results"]], second["next_after"]) == ([3, 4], 4)
    rest = partner_client.get("/api/v1/changes/?after=4&limit=500").json()
    assert [e["id"] for e in rest["results"]] == list(range(5, feed.last_seq() + 1))
    assert (rest["has_more"], rest["last_id"]) == (False, feed.last_seq())


def test_a_repeated_poll_with_nothing_new_is_a_304_with_its_etag(cast, api_client):
    application_in("admitted", cast)
    first = api_client.get("/api/v1/changes/?after=1")
    again = api_client.get("/api/v1/changes/?after=1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@override_settings(FEED_RETENTION_DAYS=30)
def test_events_past_the_retention_are_deleted_and_an_older_cursor_is_410_with_the_latest_id(
    regions, api_client
):
    rng = random.Random(3)
    while feed.last_seq() < 8:
        decide(rng, on=today())
    DirectoryEvent.objects.filter(seq__lte=5).update(occurred_at=timezone.now() - datetime.timedelta(days=31))
    # Each organization's latest event of those deleted is kept: the directory at the cutoff.
    kept_latest = set(feed._latest_seqs_through(5).values_list("last", flat=True))
    deleted = feed.prune()
    assert deleted == len(set(range(1, 6)) - kept_latest) > 0
    assert set(DirectoryEvent.objects.values_list("seq", flat=True)) == set(range(6, 9)) | kept_latest
    response = api_client.get("/api/v1/changes/?after=4")
    assert response.status_code == 410
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("cursor_expired", {"last_id": 8})
    assert api_client.get("/api/v1/changes/?after=5").status_code == 200
    assert feed.prune() == 0  # nothing more to delete


def test_events_are_kept_forever_by_default(regions, settings):
    assert settings.FEED_RETENTION_DAYS is None
    rng = random.Random(5)
    while feed.last_seq() < 3:
        decide(rng, on=today())
    DirectoryEvent.objects.update(occurred_at=timezone.now() - datetime.timedelta(days=3650))
    assert feed.prune() == 0
    assert DirectoryEvent.objects.count() == 3


def test_the_sweep_is_a_registered_task_on_the_beat_schedule_just_after_midnight_utc(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["directory-feed-sweep"]
    assert entry["task"] in app.tasks
    assert directory_feed_sweep.name == entry["task"]  # autodiscovered, under the name beat sends
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute) == ({0}, {5})


# --- languages ---------------------------------------------------------------------------------------------


def test_a_partner_reading_in_arabic_replays_the_directory_as_it_reads_in_arabic(regions, partner_client):
    MembershipFactory(
        organization__region=regions["north-africa"],
        organization__country="MA",
        organization__name="الاتحاد الوطني لطلبة المغرب",
        organization__name_latin="Union nationale des étudiants du Maroc",
    )
    MembershipFactory(organization__region=regions["europe-south"], organization__country="TR")
    feed.publish_all()
    partner_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ar"

    replay = Partner(partner_client)
    replay.poll()

    assert replay.copy == directory(partner_client)
    names = {item["region"]["code"]: item["region"]["name"] for item in replay.copy.values()}
    assert names == {"north-africa": "شمال أفريقيا", "europe-south": "جنوب أوروبا"}
    assert "Union nationale des étudiants du Maroc" in {item["name_latin"] for item in replay.copy.values()}
    translation.activate("en")  # the requests' language stays active after them


def test_an_entry_published_before_the_latin_name_and_region_translations_reads_as_empty_and_changes_nothing(
    cast, union, partner_client
):
    membership, _ = union
    event = DirectoryEvent.objects.filter(organization=membership.organization).latest("seq")
    for field in ("name_latin", "region__name_ar", "region__name_fr", "region__name_tr"):
        event.entry.pop(field)
    event.save(update_fields=["entry"])
    region = membership.organization.region
    region.name_ar = region.name_fr = region.name_tr = ""
    region.save()

    assert feed.publish_all() == []  # empty new fields are no change
    [item] = [e for e in events(partner_client) if e["id"] == event.seq]
    assert item["affiliate"]["name_latin"] == ""
    assert item["affiliate"]["region"]["name"] == region.name


def test_a_region_translated_in_the_admin_is_published_for_its_affiliates(
    cast, union, admin_client, partner_client
):
    membership, _ = union
    region = membership.organization.region
    start = feed.last_seq()
    response = admin_client.post(
        f"/admin/registry/region/{region.pk}/change/",
        {
            "code": region.code,
            "name": region.name,
            "name_ar": "منطقة جديدة",
            "name_fr": region.name_fr,
            "name_tr": region.name_tr,
            "parent": region.parent_id or "",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    [event] = events(partner_client, after=start)
    assert (event["type"], event["changed"]) == ("member.updated", ["region"])
    arabic = partner_client.get("/api/v1/changes/", {"after": start}, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert arabic["results"][0]["affiliate"]["region"]["name"] == "منطقة جديدة"
    translation.activate("en")  # the request's language stays active after it
