"""Sign-up does not tell which e-mail addresses have accounts: not by its answer, nor by the work it does.

That both kinds of sign-up take as long is measured by ``make bench`` (the ratio
``signup_known_vs_new``), not here: the suite asserts no timing."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts import mail as account_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
KNOWN = "amani@kusu.example.org"


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
