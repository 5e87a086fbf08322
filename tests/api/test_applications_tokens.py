"""The personal tokens page (/account/tokens/): create (shown once), list, revoke."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import PersonalToken
from accounts.tokens import MAX_ACTIVE_TOKENS, token_create
from tests.api.workflow_fixtures import client_with
from tests.factories import applicant_user, secretariat_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

PAGE = "/account/tokens/"
KEY = re.compile(r'value="([A-Za-z0-9]{8}\.[A-Za-z0-9]{32})"')


@pytest.fixture
def person(client):
    user = applicant_user()
    client.force_login(user)
    return user


def test_the_page_needs_a_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_token_is_shown_once_and_works_on_the_api(client, person):
    response = client.post(PAGE, {"name": "Reporting script", "expires_in_days": "30"})

    assert response.status_code == 200
    (key,) = KEY.findall(response.content.decode())
    token = PersonalToken.objects.get(user=person)
    assert token.name == "Reporting script"
    assert token.expiry_date is not None
    assert key.startswith(f"{token.prefix}.")
    assert key not in client.get(PAGE).content.decode()  # never again
    assert client_with(f"Token {key}").get("/api/v1/applications/").status_code == 200


def test_the_list_shows_created_and_last_used_and_extends_the_site_layout(client, person):
    _token, key = token_create(user=person, name="Laptop")
    client_with(f"Token {key}").get("/api/v1/applications/")

    page = client.get(PAGE).content.decode()

    row = page.split("Laptop", 1)[1].split("</tr>", 1)[0]
    assert row.count("<time") == 2  # created and last used; it never expires
    assert "Never" in row
    assert 'class="site-header"' in page  # base.html
    assert 'href="/account/tokens/"' in page  # the account menu links here


def test_revoking_a_token_shuts_it_out_for_good(client, person):
    token, key = token_create(user=person, name="Old")

    response = client.post(f"{PAGE}{token.prefix}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert client_with(f"Token {key}").get("/api/v1/applications/").status_code == 401
    assert "Revoked" in client.get(PAGE).content.decode()


def test_nobody_revokes_someone_elses_token(client, person):
    token, _key = token_create(user=applicant_user(), name="Theirs")

    assert client.post(f"{PAGE}{token.prefix}/revoke/").status_code == 404
    assert client.get(f"{PAGE}{token.prefix}/revoke/").status_code == 405
    token.refresh_from_db()
    assert not token.revoked


def test_a_name_is_needed_and_the_number_of_tokens_is_bounded(client, person):
    assert "This field is required" in client.post(PAGE, {"name": ""}).content.decode()
    for n in range(MAX_ACTIVE_TOKENS):
        token_create(user=person, name=f"t{n}")

    response = client.post(PAGE, {"name": "one more"})

    assert "Revoke one you no longer use first" in response.content.decode()
    assert PersonalToken.objects.filter(user=person).count() == MAX_ACTIVE_TOKENS


def test_the_page_needs_two_factor_for_officers(client, settings):
    settings.OFFICERS_REQUIRE_MFA = True
    officer = secretariat_user()
    client.force_login(officer)

    assert client.get(PAGE)["Location"] == "/accounts/2fa/totp/activate/"
    assert client.post(PAGE, {"name": "x"})["Location"] == "/accounts/2fa/totp/activate/"
    assert not PersonalToken.objects.exists()
    TOTP.activate(officer, generate_totp_secret())
    assert client.get(PAGE).status_code == 200
