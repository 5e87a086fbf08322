"""Brute force on the log-in: limited per account across addresses and per address across accounts,
on the site's log-in and on the admin's way in (which is the same log-in), with the client's
address taken as our proxy wrote it (X-Forwarded-For from TRUSTED_PROXIES), never as the client says.

tests/accounts/test_log_in.py has the basics from one address (an account locked after five
failures; ten failures across accounts lock the address; the admin shares the lock). Added
here: many addresses against one account, addresses told apart behind the proxy, forged
X-Forwarded-For, and the admin's own log-in form, which never checks a password.
"""

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.test import RequestFactory

from config.proxies import client_ip
from tests.factories import UserFactory, secretariat_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SITE = "/accounts/login/"
ADMIN_WAY = "/accounts/login/?next=/admin/"  # where /admin/ sends people to log in
LOCKED = "Too many failed login attempts"
PROXY = "127.0.0.1"  # the test client's REMOTE_ADDR: nginx on the same host


@pytest.fixture(autouse=True)
def _behind_our_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _attempt(client, email, password, *, path=SITE, ip="198.51.100.7"):
    """One log-in POST arriving through the proxy from ``ip`` (nginx appends the client's address)."""
    client.logout()
    response = client.post(path, {"login": email, "password": password}, HTTP_X_FORWARDED_FOR=ip)
    return response, "_auth_user_id" in client.session


def test_the_log_in_limits_see_the_client_address_as_the_api_does():
    """Behind the proxy, REMOTE_ADDR is the proxy's for everyone: without this, one address's
    failures would lock everybody out, and an attacker's would not be told apart."""
    for remote, forwarded in [(PROXY, "6.6.6.6, 198.51.100.7"), ("203.0.113.5", "198.51.100.7")]:
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        assert get_adapter(request).get_client_ip(request) == client_ip(request)
    assert client_ip(request) == "203.0.113.5"


@pytest.mark.parametrize("path", [SITE, ADMIN_WAY])
def test_failures_from_many_addresses_lock_the_account(client, path):
    officer = _verified(secretariat_user())
    for n in range(5):
        response, logged_in = _attempt(client, officer.email, f"guess {n}", path=path, ip=f"203.0.113.{n}")
        assert response.status_code == 200
        assert not logged_in

    response, logged_in = _attempt(client, officer.email, PASSWORD, path=path, ip="203.0.113.99")

    assert not logged_in
    assert LOCKED in response.content.decode()


@pytest.mark.parametrize("path", [SITE, ADMIN_WAY])
def test_failures_across_accounts_lock_the_address_only(client, path):
    for n in range(10):
        _attempt(client, f"nobody{n}@union.example.org", "guess", path=path, ip="198.51.100.7")
    user = _verified(UserFactory(username="real@union.example.org", email="real@union.example.org"))

    blocked, blocked_in = _attempt(client, user.email, PASSWORD, path=path, ip="198.51.100.7")
    _other, other_in = _attempt(client, user.email, PASSWORD, path=path, ip="198.51.100.8")

    assert not blocked_in
    assert LOCKED in blocked.content.decode()
    assert other_in  # someone else behind the same proxy is not locked out


def test_a_forged_x_forwarded_for_does_not_make_a_new_address(client):
    """The client may send its own X-Forwarded-For; the proxy appends the real address, the last one."""
    for n in range(10):
        _attempt(client, f"nobody{n}@union.example.org", "guess", ip=f"10.0.0.{n}, 198.51.100.7")
    user = _verified(UserFactory(username="real@union.example.org", email="real@union.example.org"))

    response, logged_in = _attempt(client, user.email, PASSWORD, ip="10.9.9.9, 198.51.100.7")

    assert not logged_in
    assert LOCKED in response.content.decode()


def test_the_admin_log_in_form_never_checks_a_password(client):
    """Credentials posted to /admin/login/ are not even looked at: the admin's only way in is the
    site's log-in, with its limits (and two-factor for officers)."""
    officer = _verified(secretariat_user())
    for _ in range(20):
        response = client.post(
            "/admin/login/",
            {"username": officer.username, "password": PASSWORD, "next": "/admin/"},
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session


def test_a_locked_account_is_locked_on_the_admin_way_in_too(client):
    officer = _verified(secretariat_user())
    for n in range(5):
        _attempt(client, officer.email, "guess", path=SITE, ip=f"203.0.113.{n}")

    response, logged_in = _attempt(client, officer.email, PASSWORD, path=ADMIN_WAY, ip="203.0.113.50")

    assert not logged_in
    assert LOCKED in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_spoofed_x_forwarded_for_from_an_untrusted_address_does_not_make_a_new_address(client):
    """A client that reaches the server directly (not through our proxy) is its REMOTE_ADDR."""
    for n in range(10):
        client.logout()
        client.post(
            SITE,
            {"login": f"nobody{n}@union.example.org", "password": "guess"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    user = _verified(UserFactory(username="real@union.example.org", email="real@union.example.org"))

    client.logout()
    response = client.post(
        SITE,
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )

    assert "_auth_user_id" not in client.session
    assert LOCKED in response.content.decode()
