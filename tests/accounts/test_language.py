"""Choosing a language: the browser's on the first visit, the switcher on every page (back to the
same page, no script), the choice kept on the account and used at log-in; ``<html lang dir>``."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.language import SESSION_KEY, language_choose, language_of
from accounts.models import Preferences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode())[0]


def test_the_four_languages_are_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "ar", "fr", "tr"]


@pytest.mark.parametrize(
    ("accept", "tag"),
    [
        ("ar,en;q=0.5", '<html lang="ar" dir="rtl">'),
        ("fr-FR,fr;q=0.9", '<html lang="fr" dir="ltr">'),
        ("tr", '<html lang="tr" dir="ltr">'),
        ("de,sw;q=0.8", '<html lang="en" dir="ltr">'),  # none of ours: the default
    ],
)
def test_the_first_visit_follows_the_browser(client, accept, tag):
    response = client.get("/directory/", HTTP_ACCEPT_LANGUAGE=accept)
    assert html_tag(response) == tag
    assert response["Content-Language"] == re.search(r'lang="(\w+)"', tag)[1]


def test_every_page_has_the_switcher_as_buttons_that_return_to_the_page(client):
    page = client.get("/directory/?country=KE").content.decode()
    form = re.search(
        r'<form class="language-switcher" method="post" action="/language/">.*?</form>', page, re.S
    )[0]
    assert '<input type="hidden" name="next" value="/directory/?country=KE">' in form
    buttons = re.findall(r'<button type="submit" name="language" value="(\w+)" lang="\1"', form)
    assert buttons == ["en", "ar", "fr", "tr"]
    # Each language named in itself, whatever the page's language.
    assert re.findall(r'lang="\w+"[^>]*>([^<]+)</button>', form) == [
        "English",
        "العربية",
        "Français",
        "Türkçe",
    ]
    arabic_page = client.get("/directory/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert re.findall(r'lang="\w+"[^>]*>([^<]+)</button>', arabic_page) == [
        "English",
        "العربية",
        "Français",
        "Türkçe",
    ]
    assert "<script" not in form


def test_switching_returns_to_the_same_page_in_the_new_language(client):
    response = client.post("/language/", {"language": "ar", "next": "/directory/?country=KE"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/?country=KE"
    # The choice (a cookie) wins over the browser's languages from then on.
    page = client.get("/directory/?country=KE", HTTP_ACCEPT_LANGUAGE="fr")
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


def test_switching_to_an_unknown_language_changes_nothing(client):
    client.post("/language/", {"language": "xx", "next": "/directory/"})
    assert html_tag(client.get("/directory/")) == '<html lang="en" dir="ltr">'


def test_switching_to_another_site_is_refused(client):
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_signed_in_person_s_switch_is_kept_on_their_account(cast, client_as):
    client = client_as(cast.applicant)
    client.post("/language/", {"language": "tr", "next": "/directory/"})
    assert Preferences.objects.get(user=cast.applicant).language == "tr"
    assert language_of(cast.applicant) == "tr"


def test_logging_in_brings_back_the_person_s_language_over_the_browser(client):
    user = UserFactory(username="amani@kusu.example.org", email="amani@kusu.example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Preferences.objects.create(user=user, language="ar")
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == "ar"
    page = client.get("/directory/", HTTP_ACCEPT_LANGUAGE="fr")
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    # Logged out, the pages stay in the person's language (the cookie).
    client.post("/accounts/logout/")
    assert html_tag(client.get("/directory/", HTTP_ACCEPT_LANGUAGE="fr")) == '<html lang="ar" dir="rtl">'


def test_the_profile_page_saves_the_language(cast, client_as):
    client = client_as(cast.applicant)
    page = client.get("/account/profile/").content.decode()
    assert 'name="language"' in page
    response = client.post("/account/profile/", {"language": "fr"}, follow=True)
    assert Preferences.objects.get(user=cast.applicant).language == "fr"
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    # The name is left as it was.
    assert (
        cast.applicant.get_full_name()
        == type(cast.applicant).objects.get(pk=cast.applicant.pk).get_full_name()
    )


def test_the_profile_page_refuses_an_unknown_language(cast, client_as):
    response = client_as(cast.applicant).post("/account/profile/", {"language": "xx"})
    assert response.status_code == 200
    assert response.context["language_form"].errors["language"]
    assert not Preferences.objects.filter(user=cast.applicant).exists()


def test_language_choose_refuses_a_code_not_offered(cast):
    with pytest.raises(ValueError, match="Unsupported"):
        language_choose(user=cast.applicant, language="de")


def test_without_a_choice_e_mails_are_in_the_default_language(cast):
    assert language_of(cast.applicant) == settings.LANGUAGE_CODE == "en"


def test_signing_up_keeps_the_language_signed_up_in(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    client.post(
        "/accounts/signup/",
        {
            "name": "Leïla Benali",
            "email": "leila@example.org",
            "password1": "a long enough password 1",
            "password2": "a long enough password 1",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert Preferences.objects.get(user__email="leila@example.org").language == "fr"
