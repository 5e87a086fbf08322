"""allauth's pages in the site's layout and words: each renders, for the person it is for, inside
the site's header and footer, says "Log in" / "Sign up" / "e-mail", and never allauth's defaults."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# allauth's own words, which the site says otherwise ("Log in", "e-mail", "Sign up").
ALLAUTH_WORDS = (
    "Sign In",
    "Sign Out",
    "Signup",
    "Sign Up",
    "Email Address",
    "Two-Factor Authentication",
    "Menu:",
)


def _person(email="amani@kusu.example.org", **kwargs):
    user = UserFactory(username=email, email=email, first_name="Amani", last_name="Otieno", **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _log_in(client, user):
    """Logged in, with the password confirmed again just now (allauth asks it before two-factor changes)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def _page(response, *, h1: str) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="site-header">' in html
    assert '<footer class="site-footer">' in html
    assert "/static/css/site.css" in html
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert heading is not None
    assert h1 in " ".join(heading.group(1).split()), heading.group(1)
    for word in ALLAUTH_WORDS:
        assert word not in html, word
    return html


# --- before logging in: one narrow column ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "h1"),
    [
        ("/accounts/login/", "Log in"),
        ("/accounts/signup/", "Sign up"),
        ("/accounts/confirm-email/", "Verify your e-mail address"),
        ("/accounts/password/reset/", "Reset your password"),
        ("/accounts/password/reset/done/", "Check your e-mail"),
        ("/accounts/password/reset/key/1-not-a-key/", "This link does not work"),
        ("/accounts/password/reset/key/done/", "Your password is changed"),
        ("/accounts/confirm-email/not-a-key/", "Confirm your e-mail address"),
    ],
)
def test_the_pages_before_logging_in_use_the_site_layout(client, path, h1):
    html = _page(client.get(path), h1=h1)

    assert '<body class="entrance">' in html


def test_the_log_in_form_has_the_site_fields(client):
    html = _page(client.get("/accounts/login/"), h1="Log in")

    assert '<label for="id_login">E-mail address' in html
    assert "Keep me logged in on this device" in html
    assert "placeholder=" not in html
    assert 'class="stacked account-form"' in html
    assert 'href="/accounts/signup/"' in html


def test_a_wrong_password_is_said_above_the_form(client):
    _person()

    response = client.post("/accounts/login/", {"login": "amani@kusu.example.org", "password": "wrong"})

    html = _page(response, h1="Log in")
    assert 'class="errorlist nonfield" role="alert"' in html


def test_the_confirmation_link_from_the_e_mail_asks_to_confirm(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # account e-mails leave after commit
        client.post(
            "/accounts/signup/",
            {
                "name": "Amani Otieno",
                "email": "new@kusu.example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    path = re.search(r"(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body).group(1)

    html = _page(client.get(path), h1="Confirm your e-mail address")

    assert "new@kusu.example.org" in html
    assert "Amani Otieno" in html  # the person, by name (ACCOUNT_USER_DISPLAY)
    assert "Yes, confirm" in html


def test_the_password_reset_link_from_the_e_mail_asks_for_a_new_password(
    client, django_capture_on_commit_callbacks
):
    _person()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "amani@kusu.example.org"})
    path = re.search(r"(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body).group(1)

    response = client.get(path, follow=True)

    html = _page(response, h1="Choose a new password")
    assert "New password (again)" in html


# --- signed in: the account menu --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "h1"),
    [
        ("/account/profile/", "Your account"),
        ("/accounts/email/", "E-mail addresses"),
        ("/accounts/password/change/", "Change your password"),
        ("/accounts/logout/", "Log out"),
        ("/accounts/2fa/", "Two-factor authentication"),
        ("/accounts/2fa/totp/activate/", "Turn on two-factor authentication"),
        ("/account/tokens/", "API tokens"),
    ],
)
def test_the_account_pages_use_the_site_layout_and_the_account_menu(client, path, h1):
    _log_in(client, _person())

    html = _page(client.get(path), h1=h1)

    assert '<nav class="subnav" aria-label="Your account">' in html
    assert 'aria-current="page"' in html or path == "/accounts/logout/"


def test_the_two_factor_setup_shows_the_steps_the_qr_code_and_the_key(client):
    _log_in(client, _person())

    html = _page(client.get("/accounts/2fa/totp/activate/"), h1="Turn on two-factor authentication")

    assert html.count('<li><h2 class="h-small">') == 3
    assert 'class="qr-code"' in html
    assert 'id="authenticator_secret"' in html
    assert "The code your app shows" in html


def test_the_two_factor_setup_asks_to_confirm_it_is_you_after_a_while(client):
    client.force_login(_person(), backend="django.contrib.auth.backends.ModelBackend")  # no recent log-in

    response = client.get("/accounts/2fa/totp/activate/", follow=True)

    _page(response, h1="Confirm it is you")


@pytest.fixture
def with_two_factor():
    user = _person()
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    return user


def test_the_two_factor_code_at_log_in_uses_the_site_layout(client, with_two_factor):
    response = client.post(
        "/accounts/login/", {"login": with_two_factor.email, "password": PASSWORD}, follow=True
    )

    html = _page(response, h1="Log in: your code")
    assert '<label for="id_code">Code' in html


@pytest.mark.parametrize(
    ("path", "h1"),
    [
        ("/accounts/2fa/", "Two-factor authentication"),
        ("/accounts/2fa/totp/deactivate/", "Turn off two-factor authentication"),
        ("/accounts/2fa/recovery-codes/", "Recovery codes"),
        ("/accounts/2fa/recovery-codes/generate/", "Make new recovery codes"),
    ],
)
def test_the_two_factor_pages_of_someone_who_has_it_use_the_site_layout(client, with_two_factor, path, h1):
    _log_in(client, with_two_factor)

    _page(client.get(path), h1=h1)


def test_allauth_messages_use_the_site_words(client):
    response = client.post("/accounts/login/", {"login": _person().email, "password": PASSWORD}, follow=True)

    assert "You are logged in as Amani Otieno." in response.content.decode()
    response = client.post("/accounts/logout/", follow=True)
    assert "You are logged out." in response.content.decode()
