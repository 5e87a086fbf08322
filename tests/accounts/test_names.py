"""People have names: asked once at sign-up ("Your name"), changed on /account/profile/, shown on pages."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from accounts.people import display_name, person_rename, split_name
from ops.demo import seed_demo_applications
from registry.demo import seed_demo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PROFILE = "/account/profile/"


def _sign_up(client, **data):
    return client.post(
        "/accounts/signup/",
        {"email": "amani@kusu.example.org", "password1": PASSWORD, "password2": PASSWORD, **data},
    )


def _signed_in(client, **kwargs):
    user = UserFactory(username="amani@kusu.example.org", email="amani@kusu.example.org", **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _text(response) -> str:
    return " ".join(response.content.decode().split())


# --- one typed name, two fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("Amani Otieno", "Amani", "Otieno"),
        ("Amani Wanjiru Otieno", "Amani Wanjiru", "Otieno"),
        ("Sukarno", "Sukarno", ""),
        ("  María   José\tda  Silva ", "María José da", "Silva"),
        ("Nguyễn Văn An", "Nguyễn Văn", "An"),
    ],
)
def test_a_typed_name_is_split_at_its_last_space_and_joins_back_as_typed(typed, first, last):
    assert split_name(typed) == (first, last)
    assert " ".join(filter(None, (first, last))) == " ".join(typed.split())


def test_a_person_is_named_by_their_name_else_their_address():
    assert display_name(UserFactory(first_name="Amani", last_name="Otieno")) == "Amani Otieno"
    assert display_name(UserFactory(username="x@y.example", first_name="", last_name="")) == "x@y.example"


# --- sign-up -----------------------------------------------------------------------------------------


def test_sign_up_asks_for_the_name_first(client):
    html = client.get("/accounts/signup/").content.decode()

    assert html.index('name="name"') < html.index('name="email"') < html.index('name="password1"')
    assert "Your name" in html
    assert 'autocomplete="name"' in html


def test_sign_up_saves_the_name(client):
    response = _sign_up(client, name="  Amani   Wanjiru Otieno ")

    assert response.status_code == 302
    user = get_user_model().objects.get()
    assert (user.first_name, user.last_name) == ("Amani Wanjiru", "Otieno")
    assert user.get_full_name() == "Amani Wanjiru Otieno"


def test_sign_up_keeps_a_single_name_whole(client):
    _sign_up(client, name="Sukarno")

    user = get_user_model().objects.get()
    assert (user.first_name, user.last_name) == ("Sukarno", "")


@pytest.mark.parametrize("name", ["", "   ", "Amani\x1b[31m", "Amani\u202eonetO"])
def test_sign_up_refuses_an_empty_name_or_control_characters(client, name):
    response = _sign_up(client, name=name)

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not get_user_model().objects.exists()


# --- the profile page ---------------------------------------------------------------------------------


def test_the_profile_page_needs_a_log_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_profile_page_shows_the_name_and_address(client):
    _signed_in(client, first_name="Amani", last_name="Otieno")

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert 'value="Amani Otieno"' in response.content.decode()
    assert "amani@kusu.example.org" in _text(response)
    assert 'class="site-header"' in response.content.decode()


def test_the_profile_page_changes_the_name(client):
    user = _signed_in(client, first_name="Amani", last_name="Otieno")

    response = client.post(PROFILE, {"name": "Amani Wanjiru-Otieno"}, follow=True)

    assert response.redirect_chain == [(PROFILE, 302)]
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Amani", "Wanjiru-Otieno")
    assert "Your name is saved." in _text(response)


def test_the_profile_page_refuses_an_empty_name_and_keeps_the_old_one(client):
    user = _signed_in(client, first_name="Amani", last_name="Otieno")

    response = client.post(PROFILE, {"name": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    user.refresh_from_db()
    assert user.get_full_name() == "Amani Otieno"


def test_person_rename_writes_only_the_name():
    user = UserFactory(first_name="A", last_name="B", email="keep@x.example")

    person_rename(user=user, name="Chidi Okafor")

    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Chidi", "Okafor", "keep@x.example")


# --- pages show the name --------------------------------------------------------------------------------


def test_the_header_shows_the_first_name_and_links_to_the_profile(client):
    _signed_in(client, first_name="Amani", last_name="Otieno")

    html = client.get("/").content.decode()

    assert f'<a href="{PROFILE}"><span class="visually-hidden">Your account: </span>Amani</a>' in html


def test_the_header_says_account_for_someone_without_a_name(client):
    _signed_in(client, first_name="", last_name="")

    html = client.get("/").content.decode()

    assert f'<a href="{PROFILE}"><span class="visually-hidden">Your account: </span>Account</a>' in html


def test_the_demo_applicants_have_names(regions):
    seed_demo()
    seed_demo_applications()

    people = get_user_model().objects.filter(username__endswith="@demo.example")
    assert people.count() > 10
    assert [person.username for person in people if not person.get_full_name()] == []
