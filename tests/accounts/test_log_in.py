"""Accounts (django-allauth): sign-up with e-mail verification, log-in by e-mail, log-out,
password reset, two-factor for officers, and log-in rate limits on the site and the admin."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core import mail

from registry.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from tests.cast import S, application_in
from tests.factories import (
    ApplicationFactory,
    UserFactory,
    attach_required_documents,
    committee_member,
    reviewer_user,
    secretariat_user,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/accounts/login/"


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client, email, password=PASSWORD, path=LOGIN, **extra):
    return client.post(path, {"login": email, "password": password, **extra})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- sign-up, verification, log-in ----------------------------------------------------------------


def test_sign_up_asks_a_name_e_mail_and_password_and_sends_a_verification_link(
    client, django_capture_on_commit_callbacks
):
    form = client.get("/accounts/signup/").content.decode()
    assert 'name="username"' not in form
    assert 'name="name"' in form
    assert 'name="email"' in form

    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after commit
        response = client.post(
            "/accounts/signup/",
            {
                "name": "Amani Otieno",
                "email": "Amani@Kusu.example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get()
    assert user.username == "amani@kusu.example.org"  # the e-mail, as for the demo users
    assert not _logged_in(client)  # mandatory verification first
    assert len(mail.outbox) == 1
    assert re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[0].body)


def test_following_the_verification_link_logs_in_and_leads_to_my_applications(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {"name": "Amani", "email": "new@kusu.example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    path = re.search(r"(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body).group(1)

    response = client.post(path)

    assert response["Location"] == "/applications/"
    assert _logged_in(client)
    assert EmailAddress.objects.get(email="new@kusu.example.org").verified


def test_an_unverified_account_cannot_log_in_yet(client):
    UserFactory(username="wait@kusu.example.org", email="wait@kusu.example.org")
    response = _log_in(client, "wait@kusu.example.org")
    assert not _logged_in(client)
    assert response["Location"] == "/accounts/confirm-email/"


def test_a_verified_user_logs_in_by_e_mail_and_out_again(client):
    _verified(UserFactory(username="amani@kusu.example.org", email="amani@kusu.example.org"))
    response = _log_in(client, "AMANI@kusu.example.org")
    assert response["Location"] == "/applications/"
    assert _logged_in(client)

    client.post("/accounts/logout/")
    assert not _logged_in(client)


def test_officers_land_on_the_committee_queue(client):
    _verified(secretariat_user())
    user = get_user_model().objects.get()
    assert _log_in(client, user.email)["Location"] == "/committee/"


def test_every_demo_user_can_log_in_with_the_demo_password(client, regions):
    seed_demo()
    for email in DEMO_USERS:
        client.logout()
        response = _log_in(client, email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert _logged_in(client), email


def test_seeding_again_keeps_one_verified_address_per_demo_user(regions):
    seed_demo()
    seed_demo()
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(DEMO_USERS)


def test_password_reset_sends_a_link(client, django_capture_on_commit_callbacks):
    _verified(UserFactory(username="amani@kusu.example.org", email="amani@kusu.example.org"))
    with django_capture_on_commit_callbacks(execute=True):  # after commit, as every account e-mail
        response = client.post("/accounts/password/reset/", {"email": "amani@kusu.example.org"})
    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_the_account_pages_use_the_site_layout(client):
    html = client.get(LOGIN).content.decode()
    assert 'class="site-header"' in html
    assert '<main id="main">' in html
    assert "/static/css/site.css" in html


def test_the_site_links_to_the_allauth_log_in_not_the_admin(client):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert "/admin/login/" not in html


# --- the admin's log-in is allauth's ----------------------------------------------------------------


def test_the_admin_log_in_redirects_to_the_site_log_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_credentials_posted_to_the_admin_log_in_do_not_log_in(client):
    staff = _verified(secretariat_user())
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not _logged_in(client)


def test_a_logged_in_non_staff_user_gets_403_on_the_admin_log_in(client_as, cast):
    assert client_as(cast.applicant).get("/admin/login/").status_code == 403


def test_staff_reach_the_admin_after_the_site_log_in(client, settings):
    settings.OFFICERS_REQUIRE_MFA = False
    staff = _verified(secretariat_user())
    response = _log_in(client, staff.email, path="/accounts/login/?next=/admin/")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- rate limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/login/?next=/admin/"])
def test_failed_log_ins_lock_the_account_for_a_while(client, path):
    user = _verified(UserFactory(username="target@kusu.example.org", email="target@kusu.example.org"))
    for _ in range(5):
        response = _log_in(client, user.email, "wrong password", path=path)
        assert response.status_code == 200
        assert not _logged_in(client)

    locked = _log_in(client, user.email, PASSWORD, path=path)

    assert not _logged_in(client)
    assert "Too many failed login attempts. Try again later." in locked.content.decode()


def test_the_admin_path_shares_the_lock_with_the_site(client):
    """Five failures on the site's log-in: the admin (through the same log-in) is locked too."""
    staff = _verified(secretariat_user())
    for _ in range(5):
        _log_in(client, staff.email, "wrong password")
    client.get("/admin/")  # → the site's log-in with next=/admin/
    response = _log_in(client, staff.email, PASSWORD, path="/accounts/login/?next=/admin/")
    assert not _logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()


def test_failed_log_ins_from_one_address_are_limited_across_accounts(client):
    for n in range(10):
        _log_in(client, f"nobody{n}@kusu.example.org", "wrong password")
    user = _verified(UserFactory(username="real@kusu.example.org", email="real@kusu.example.org"))
    response = _log_in(client, user.email, PASSWORD)
    assert not _logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()


def test_a_successful_log_in_is_not_limited_by_earlier_successes(client):
    user = _verified(UserFactory(username="often@kusu.example.org", email="often@kusu.example.org"))
    for _ in range(8):
        client.logout()
        _log_in(client, user.email)
        assert _logged_in(client)


# --- two-factor for officers ------------------------------------------------------------------------


OFFICER_PAGES = ["/committee/", "/admin/"]


@pytest.mark.parametrize("path", OFFICER_PAGES)
@pytest.mark.parametrize(
    "make_officer",
    [secretariat_user, lambda: committee_member(is_staff=True)],
    ids=["secretariat", "committee"],
)
def test_officers_without_two_factor_are_sent_to_set_it_up(client, settings, path, make_officer):
    settings.OFFICERS_REQUIRE_MFA = True
    officer = make_officer()
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(path, follow=True)

    assert response.redirect_chain[0][0] == "/accounts/2fa/totp/activate/"
    assert any("must turn on two-factor authentication" in str(m) for m in response.context["messages"])


def test_the_committee_page_of_an_application_is_protected_too(client, settings, cast):
    settings.OFFICERS_REQUIRE_MFA = True
    application = application_in(S.SUBMITTED, cast, assigned=False)
    client.force_login(cast.secretariat, backend="django.contrib.auth.backends.ModelBackend")
    assert (
        client.get(f"/committee/applications/{application.pk}/")["Location"] == "/accounts/2fa/totp/activate/"
    )
    download = client.get(f"/applications/{application.pk}/documents/{application.documents.first().pk}/")
    assert download["Location"] == "/accounts/2fa/totp/activate/"


def test_officers_with_two_factor_reach_the_committee_pages(client, settings):
    settings.OFFICERS_REQUIRE_MFA = True
    officer = secretariat_user()
    TOTP.activate(officer, generate_totp_secret())
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/committee/").status_code == 200


def test_reviewers_and_applicants_are_not_asked_for_two_factor(client_as, settings, cast):
    settings.OFFICERS_REQUIRE_MFA = True
    assert client_as(reviewer_user()).get("/committee/").status_code == 200
    assert client_as(cast.applicant).get("/applications/").status_code == 200


def test_without_the_setting_officers_are_not_asked(client_as, settings, cast):
    settings.OFFICERS_REQUIRE_MFA = False
    assert client_as(cast.secretariat).get("/committee/").status_code == 200


def test_an_officer_with_two_factor_is_asked_for_the_code_at_log_in(client, settings):
    settings.OFFICERS_REQUIRE_MFA = True
    officer = _verified(secretariat_user())
    TOTP.activate(officer, generate_totp_secret())
    response = _log_in(client, officer.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not _logged_in(client)


def test_an_officer_who_applies_needs_two_factor_for_their_own_application_too(client, settings):
    """One rule on every side (the API refuses the same person: tests/api/test_applications_auth.py)."""
    settings.OFFICERS_REQUIRE_MFA = True
    officer = secretariat_user()
    application = ApplicationFactory(applicant=officer)
    attach_required_documents(application)
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    pages = [
        "/applications/",
        f"/applications/{application.pk}/",
        f"/applications/{application.pk}/documents/{application.documents.first().pk}/",
        "/account/tokens/",
    ]
    for path in pages:
        assert client.get(path)["Location"] == "/accounts/2fa/totp/activate/", path
    TOTP.activate(officer, generate_totp_secret())
    assert client.get(pages[2]).status_code == 200
