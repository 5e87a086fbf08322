"""Sign-up does not tell which e-mail addresses have accounts: not by its answer, not by its time."""

import statistics
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts import mail as account_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
KNOWN = "amani@kusu.example.org"
# Sign-ups of each kind, alternated so that the machine's load weighs on both alike.
ROUNDS = 5


def _sign_up(email: str):
    return Client().post(
        "/accounts/signup/",
        {"name": "Amani Otieno", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.fixture
def known_account():
    cache.clear()  # allauth's limits (one e-mail per address in 3 minutes) count in the cache
    return UserFactory(username=KNOWN, email=KNOWN)


def test_a_known_address_gets_the_same_answer_as_a_new_one(known_account):
    known, new = _sign_up(KNOWN.upper()), _sign_up("new@kusu.example.org")
    assert (
        (known.status_code, known["Location"])
        == (new.status_code, new["Location"])
        == (302, "/accounts/confirm-email/")
    )
    assert get_user_model().objects.filter(email__iexact=KNOWN).count() == 1


def test_a_known_address_hashes_the_password_as_a_new_account_does(known_account, monkeypatch):
    hashed = []
    monkeypatch.setattr("accounts.forms.make_password", lambda password: hashed.append(password) or "x")
    _sign_up(KNOWN)
    assert hashed == [PASSWORD]


def test_sign_up_e_mails_leave_after_the_response(known_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _sign_up(KNOWN)
        _sign_up("new@kusu.example.org")
    assert mail.outbox == []  # nothing sent while the requests ran
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [KNOWN, "new@kusu.example.org"]
    assert "/accounts/password/reset/" in next(m.body for m in mail.outbox if m.to == [KNOWN])
    assert "/accounts/confirm-email/" in next(m.body for m in mail.outbox if m.to != [KNOWN])


def test_an_account_e_mail_is_sent_where_the_broker_refuses_it(monkeypatch):
    from accounts.tasks import send_account_mail

    def refuse(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(send_account_mail, "delay", refuse)
    account_mail._enqueue(mail.EmailMessage("Subject", "Body", to=["amani@kusu.example.org"]))
    assert [m.subject for m in mail.outbox] == ["Subject"]


def test_sign_up_takes_as_long_for_a_known_address_as_for_a_new_one(known_account, settings):
    """The medians of sign-ups with a known and with new addresses differ by less than 20 %,
    with the production password hasher (the suite's settings use a fast one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": False}
    durations = {"known": [], "new": []}
    _sign_up("warm-up@kusu.example.org")
    for n in range(ROUNDS):
        for kind, email in (("known", KNOWN), ("new", f"new{n}@kusu.example.org")):
            started = time.perf_counter()
            assert _sign_up(email).status_code == 302
            durations[kind].append(time.perf_counter() - started)

    assert (
        identify_hasher(get_user_model().objects.get(email="new0@kusu.example.org").password).algorithm
        == "pbkdf2_sha256"
    )
    known, new = statistics.median(durations["known"]), statistics.median(durations["new"])
    assert abs(known - new) / max(known, new) < 0.20, durations
