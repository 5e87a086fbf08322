"""Who gets into the workflow API: sessions with CSRF, personal tokens, never partner keys; 401 vs 403."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalToken
from accounts.tokens import token_create
from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import new_draft
from tests.factories import ApplicationFactory, committee_member, secretariat_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

API = "/api/v1/applications/"


def error_code(response, status: int) -> str:
    assert response.status_code == status, response.content
    return response.json()["error"]["code"]


def test_without_credentials_the_answer_is_401_with_a_challenge(api_client):
    response = api_client.get(API)

    assert error_code(response, 401) == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert error_code(api_client.post(f"{API}1/submit/", {}, format="json"), 401) == "not_authenticated"


def test_a_personal_token_works_as_token_or_bearer(cast):
    key = token_for(cast.applicant)
    mine = new_draft(cast)

    for scheme in ("Token", "Bearer", "token"):
        response = client_with(f"{scheme} {key}").get(API)
        assert response.status_code == 200, scheme
        assert [item["id"] for item in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Token abc", "token_malformed"),
        ("Token ", "token_malformed"),
        ("Bearer nope1234.0000000000000000000000000000000", "token_unknown"),
    ],
)
def test_a_bad_token_is_401_saying_why(cast, header, code):
    response = client_with(header).get(API)

    assert error_code(response, 401) == code
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_a_token_with_a_wrong_secret_is_unknown(cast):
    key = token_for(cast.applicant)
    prefix = key.partition(".")[0]

    assert error_code(client_with(f"Token {prefix}.{'x' * 32}").get(API), 401) == "token_unknown"


def test_a_revoked_or_expired_token_is_401_and_a_deactivated_account_too(cast):
    revoked = token_for(cast.applicant)
    PersonalToken.objects.filter(user=cast.applicant).update(revoked=True)
    expired = token_for(cast.applicant, expiry_date=timezone.now() - datetime.timedelta(minutes=1))
    inactive = token_for(cast.other_applicant)
    cast.other_applicant.is_active = False
    cast.other_applicant.save()

    assert error_code(client_with(f"Token {revoked}").get(API), 401) == "token_revoked"
    assert error_code(client_with(f"Token {expired}").get(API), 401) == "token_expired"
    assert error_code(client_with(f"Token {inactive}").get(API), 401) == "user_inactive"


def test_a_token_is_stored_hashed_and_records_its_last_use(cast):
    token, key = token_create(user=cast.applicant, name="script")

    assert key.partition(".")[2] not in (token.id + token.hashed_key)
    assert token.last_used_at is None
    client_with(f"Token {key}").get(API)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_partner_keys_do_not_open_the_workflow(cast, partner_key, revoked_partner_key):
    application = new_draft(cast)

    for path in (API, f"{API}{application.pk}/", f"{API}{application.pk}/history/"):
        assert (
            error_code(client_with(f"Api-Key {partner_key.key}").get(path), 403) == "partner_key_not_allowed"
        )
    assert error_code(client_with(f"Api-Key {partner_key.key}").post(API, {"name": "x"}, format="json"), 403)
    assert error_code(client_with(f"Api-Key {revoked_partner_key.key}").get(API), 403) == "api_key_revoked"


def test_personal_tokens_do_not_change_the_directory(cast, api_client):
    key = token_for(cast.secretariat)

    assert client_with(f"Token {key}").get("/api/v1/regions/").status_code == 200


def test_a_session_works_and_unsafe_methods_need_the_csrf_token(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.applicant)

    assert client.get(API).status_code == 200
    refused = client.post(API, {"name": "Session Union"}, format="json")
    assert error_code(refused, 403) == "permission_denied"
    assert "CSRF" in refused.json()["error"]["message"]
    client.get("/account/tokens/")  # a page with a form sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert (
        client.post(API, {"name": "Session Union"}, format="json", HTTP_X_CSRFTOKEN=token).status_code == 201
    )


@pytest.mark.parametrize(
    "make_officer", [secretariat_user, committee_member], ids=["secretariat", "committee"]
)
def test_officers_need_two_factor_before_the_api(cast, settings, make_officer):
    settings.OFFICERS_REQUIRE_MFA = True
    officer = make_officer()
    session = APIClient()
    session.force_login(officer)

    assert error_code(client_with(f"Token {token_for(officer)}").get(API), 403) == "mfa_required"
    assert error_code(session.get(API), 403) == "mfa_required"
    TOTP.activate(officer, generate_totp_secret())
    assert session.get(API).status_code == 200


def test_applicants_and_reviewers_are_not_asked_for_two_factor(cast, settings, api_as):
    settings.OFFICERS_REQUIRE_MFA = True

    assert api_as("applicant").get(API).status_code == 200
    assert api_as("other_reviewer").get(API).status_code == 200


def test_too_many_requests_are_429_with_retry_after(cast, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"},
    }
    client = client_with(f"Token {token_for(cast.applicant)}")
    other = client_with(f"Token {token_for(cast.other_applicant)}")
    ApplicationFactory(applicant=cast.applicant)

    assert [client.get(API).status_code for _ in range(2)] == [200, 200]
    response = client.get(API)
    assert error_code(response, 429) == "throttled"
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["details"]["retry_after"] > 0
    assert other.get(API).status_code == 200  # counted per person


def test_answers_are_private_and_never_cached(cast, api_as):
    response = api_as("applicant").get(API)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_an_officer_who_applies_needs_two_factor_for_their_own_application_too(settings):
    """The same rule as the portal's (tests/accounts/test_log_in.py): no exception for the applicant."""
    settings.OFFICERS_REQUIRE_MFA = True
    officer = secretariat_user()
    application = new_draft(type("People", (), {"applicant": officer})())
    document = application.documents.first()
    client = client_with(f"Token {token_for(officer)}")
    url = f"{API}{application.pk}/documents/{document.pk}/"

    assert error_code(client.get(url), 403) == "mfa_required"
    TOTP.activate(officer, generate_totp_secret())
    assert client.get(url).status_code == 200
