"""The workflow API is strict: unknown fields are refused, a vote's deadline is bounded, and
refused keys and tokens count against the caller's address in the anonymous rate limit."""

import datetime
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.workflow_serializers import CommentSerializer
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in, new_draft, reload
from tests.factories import PDF_BYTES, PartnerKeyFactory
from workflows.models import ApplicationState, MembershipApplication, VoteRound

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
API = "/api/v1/applications/"
BASE_DIR = Path(__file__).resolve().parents[2]


def url(application, action: str = "") -> str:
    return f"{API}{application.pk}/{action + '/' if action else ''}"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- unknown fields ------------------------------------------------------------------------------


def test_creating_with_fields_the_applicant_may_not_set_is_400_naming_each(cast, api_as):
    before = MembershipApplication.objects.count()

    error = error_of(
        api_as("applicant").post(
            API,
            {
                "name": "Sly union",
                "state": "admitted",
                "applicant": cast.secretariat.pk,
                "decided_at": "2020-01-01",
            },
            format="json",
        ),
        400,
    )

    assert error["code"] == "invalid"
    assert set(error["details"]) == {"state", "applicant", "decided_at"}
    assert "Unknown field" in error["details"]["state"][0]
    assert "name, name_latin, acronym, country" in error["details"]["state"][0]  # what is accepted instead
    assert MembershipApplication.objects.count() == before


def test_unknown_fields_are_named_together_with_invalid_ones(cast, api_as):
    error = error_of(api_as("applicant").post(API, {"name": "", "adress": "Nairobi"}, format="json"), 400)

    assert set(error["details"]) == {"name", "adress"}


def test_a_patch_with_an_unknown_field_changes_nothing(cast, api_as):
    application = new_draft(cast)

    error = error_of(
        api_as("applicant").patch(url(application), {"city": "Kisumu", "state": "submitted"}, format="json"),
        400,
    )

    assert set(error["details"]) == {"state"}
    fresh = reload(application)
    assert (fresh.city, fresh.state) == (application.city, S.DRAFT)


def test_an_unknown_field_in_a_contact_is_named_under_its_contact(cast, api_as):
    application = new_draft(cast)
    contacts = [
        {"name": "A", "email": "a@example.org"},
        {"name": "B", "email": "b@example.org", "nickname": "Bee"},
    ]

    error = error_of(api_as("applicant").patch(url(application), {"contacts": contacts}, format="json"), 400)

    # As for any error in a contact: by the contact's index in the list (DRF's shape).
    assert error["details"] == {
        "contacts": [
            {"1": {"nickname": ["Unknown field. The fields accepted here are: name, role, email, phone."]}}
        ]
    }


@pytest.mark.parametrize(
    ("state", "role", "action", "body", "unknown"),
    [
        (S.DRAFT, "applicant", "submit", {"comment": "Here it is.", "state": "admitted"}, {"state"}),
        (S.SUBMITTED, "secretariat", "request-info", {"comment": "Statutes?", "to": "x"}, {"to"}),
        (S.SUBMITTED, "secretariat", "start-review", {"reviewers": [], "quorum": 1}, {"quorum"}),
        (S.REVIEWED, "secretariat", "open-vote", {"category": "full", "eligible": [1]}, {"eligible"}),
        (
            S.UNDER_REVIEW,
            "assigned_reviewer",
            "reviews",
            {"recommendation": "admit", "comment": "Y", "score": 9},
            {"score"},
        ),
        (S.EXECUTIVE_VOTE, "committee", "ballots", {"choice": "yes", "weight": 3}, {"weight"}),
        (S.EXECUTIVE_VOTE, "committee", "recusal", {"reason": "", "voter": 1}, {"voter"}),
    ],
)
def test_every_write_endpoint_refuses_unknown_fields(cast, api_as, state, role, action, body, unknown):
    application = application_in(state, cast)

    error = error_of(api_as(role).post(url(application, action), body, format="json"), 400)

    assert set(error["details"]) == unknown
    assert reload(application).state == state


def test_an_upload_with_an_unknown_field_is_refused(cast, api_as):
    application = new_draft(cast)
    upload = SimpleUploadedFile("statutes.pdf", PDF_BYTES, content_type="application/pdf")

    error = error_of(
        api_as("applicant").post(
            url(application, "documents"), {"kind": "other", "file": upload, "applicant": "1"}
        ),
        400,
    )

    assert set(error["details"]) == {"applicant"}


def test_the_csrf_token_of_a_browser_form_is_not_an_unknown_field():
    assert CommentSerializer(data={"comment": "x", "csrfmiddlewaretoken": "abc"}).is_valid()
    assert not CommentSerializer(data={"comment": "x", "csrf": "abc"}).is_valid()


def test_the_lists_query_string_still_takes_paging(cast, api_as):
    new_draft(cast)

    response = api_as("applicant").get(API, {"state": "draft", "page": 1, "page_size": 5})

    assert response.status_code == 200


# --- the vote's deadline -------------------------------------------------------------------------


def open_vote(api_as, application, deadline: datetime.datetime):
    return api_as("secretariat").post(
        url(application, "open-vote"), {"deadline": deadline.isoformat()}, format="json"
    )


def test_a_vote_deadline_more_than_90_days_away_is_400_on_deadline(cast, api_as, settings):
    assert settings.VOTE_MAX_DAYS == 90
    application = application_in(S.REVIEWED, cast)

    error = error_of(open_vote(api_as, application, timezone.now() + datetime.timedelta(days=91)), 400)

    assert error["code"] == "invalid"
    assert set(error["details"]) == {"deadline"}
    assert "at most 90 days away" in error["details"]["deadline"][0]
    assert reload(application).state == S.REVIEWED
    assert not VoteRound.objects.filter(application=application).exists()


def test_a_vote_deadline_on_the_last_allowed_day_is_accepted(cast, api_as):
    application = application_in(S.REVIEWED, cast)
    last_day = (timezone.now() + datetime.timedelta(days=90)).astimezone(datetime.UTC).date()
    end_of_last_day = datetime.datetime.combine(last_day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)

    response = open_vote(api_as, application, end_of_last_day)

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "executive_vote"


def test_the_longest_vote_is_a_setting(cast, api_as, settings):
    settings.VOTE_MAX_DAYS = 10
    application = application_in(S.REVIEWED, cast)

    error = error_of(open_vote(api_as, application, timezone.now() + datetime.timedelta(days=11)), 400)

    assert "at most 10 days away" in error["details"]["deadline"][0]


def test_a_default_deadline_beyond_the_longest_vote_stops_the_start(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("VOTE_DEFAULT_DEADLINE_DAYS", "30")
    monkeypatch.setenv("VOTE_MAX_DAYS", "20")

    with pytest.raises(
        ImproperlyConfigured, match="VOTE_DEFAULT_DEADLINE_DAYS must be between 1 and VOTE_MAX_DAYS"
    ):
        runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


# --- refused keys and tokens count in the anonymous rate limit ------------------------------------------


@pytest.fixture
def anonymous_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "partner": "100/min", "user": "100/min"},
    }


def test_a_burst_of_bad_partner_keys_hits_429_at_the_anonymous_limit(api_client, regions, anonymous_limit):
    def with_key(key: str, ip: str = "192.0.2.1"):
        return api_client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Api-Key {key}", REMOTE_ADDR=ip)

    statuses = [with_key(f"guess{n}.{'x' * 32}").status_code for n in range(3)]
    throttled = with_key("guess9." + "x" * 32)

    assert statuses == [403, 403, 403]
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert api_client.get("/api/v1/regions/", REMOTE_ADDR="192.0.2.1").status_code == 429  # the same bucket
    assert with_key("malformed", ip="192.0.2.2").status_code == 403  # another address has its own
    good = PartnerKeyFactory()
    assert with_key(good.key).status_code == 200  # a valid key is a partner's, not counted here


def test_a_burst_of_bad_personal_tokens_hits_429_at_the_anonymous_limit(cast, anonymous_limit):
    client = client_with("Token nope." + "x" * 32)

    statuses = [client.get(API, REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
    throttled = client.get(API, REMOTE_ADDR="192.0.2.1")

    assert statuses == [401, 401, 401]
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    valid = client_with(f"Token {token_for(cast.applicant)}")
    assert valid.get(API, REMOTE_ADDR="192.0.2.1").status_code == 200  # a person's own limit


def test_revoked_keys_count_too(api_client, regions, anonymous_limit, revoked_partner_key):
    statuses = [
        api_client.get(
            "/api/v1/regions/", HTTP_AUTHORIZATION=f"Api-Key {revoked_partner_key.key}"
        ).status_code
        for _ in range(4)
    ]

    assert statuses == [403, 403, 403, 429]
