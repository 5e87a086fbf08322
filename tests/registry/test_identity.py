"""The site's identity on every page: the logo mark, the footer with the secretariat's address and
links (directory, API documentation, privacy), the privacy page, and the affiliate's page."""

import pytest
from django.template import loader

from registry.context_processors import DEFAULT_CONTACT_EMAIL
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/directory/",
    "/privacy/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    "/applications/",
    "/applications/new/",
    "/account/profile/",
    "/account/tokens/",
    "/accounts/email/",
]


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def contact(settings):
    settings.FEDERATION_CONTACT_EMAIL = "office@ifsu.example"
    return "office@ifsu.example"


@pytest.fixture
def member(regions):
    return MembershipFactory(
        organization__name="Kenya National Union of Students",
        organization__acronym="KNUS",
        organization__slug="knus-ke",
        organization__region=regions["africa-east"],
        organization__website="https://knus.example.org",
    ).organization


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_the_footer_with_the_contact_and_links(client, regions, contact, path):
    html = _html(client.get(path))

    assert '<footer class="site-footer">' in html
    assert f'<a href="mailto:{contact}">{contact}</a>' in html
    for link in ('href="/directory/"', 'href="/api/docs/"', 'href="/privacy/"'):
        assert link in html.split('<footer class="site-footer">')[1], link


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_every_signed_in_page_has_the_footer_with_the_contact(client, regions, contact, path):
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(path)

    assert response.status_code == 200
    assert f'<a href="mailto:{contact}">{contact}</a>' in _html(response)


def test_the_affiliate_page_has_the_footer(client, member, contact):
    assert f"mailto:{contact}" in _html(client.get(f"/directory/{member.slug}/"))


def test_without_the_setting_the_footer_gives_the_default_address(client, settings, db):
    if hasattr(settings, "FEDERATION_CONTACT_EMAIL"):
        del settings.FEDERATION_CONTACT_EMAIL

    assert f'<a href="mailto:{DEFAULT_CONTACT_EMAIL}">' in _html(client.get("/privacy/"))


def test_the_server_error_page_has_the_footer_too(settings):
    """500.html is rendered without context processors, the database or a request."""
    settings.FEDERATION_CONTACT_EMAIL = "office@ifsu.example"

    html = loader.get_template("500.html").render()

    assert '<a href="mailto:office@ifsu.example">office@ifsu.example</a>' in html
    assert 'href="/privacy/"' in html


def test_the_header_shows_the_logo_mark_which_is_also_the_favicon(client, db):
    html = _html(client.get("/"))

    assert '<a class="brand" href="/"><img class="logo" src="/static/favicon.svg" alt=""' in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


# --- the privacy page ------------------------------------------------------------------------------


def test_the_privacy_page_says_what_is_kept_and_who_sees_it(client, db, contact):
    response = client.get("/privacy/")

    assert response.status_code == 200
    page = " ".join(_html(response).split())
    for words in (
        "Member unions: public",
        "Your account",
        "A draft is seen by you only.",
        "the secretariat, the reviewers and the Executive Committee see it",
        "cookies",
        f'<a href="mailto:{contact}">{contact}</a>',
    ):
        assert words in page, words


def test_the_privacy_page_is_read_only(client, db):
    assert client.post("/privacy/").status_code == 405


# --- the affiliate's page ------------------------------------------------------------------------------


def test_the_affiliate_page_shows_region_membership_and_website_with_links_into_the_directory(client, member):
    html = " ".join(_html(client.get("/directory/knus-ke/")).split())

    assert '<span class="state-badge tone-done">Full member</span>' in html
    assert "Member since May 2020" in html
    assert '<time datetime="2020-05-01">1 May 2020</time>' in html
    assert '<a href="/directory/?country=KE">Kenya</a>' in html
    assert (
        '<a href="/directory/?region=africa-east">East Africa</a>, <a href="/directory/?region=africa">Africa</a>'
        in html
    )
    assert (
        '<a href="https://knus.example.org" rel="nofollow noopener noreferrer">https://knus.example.org</a>'
        in html
    )
    assert "National student union" in html


def test_the_affiliate_page_lists_other_affiliates_of_the_country_in_a_fixed_number_of_queries(
    client, member, regions, django_assert_max_num_queries
):
    for n in range(3):
        MembershipFactory(
            organization__name=f"Other Kenyan Union {n}", organization__region=regions["africa-east"]
        )
    MembershipFactory(
        organization__name="Ghana Union",
        organization__country="GH",
        organization__region=regions["africa-west"],
    )

    with django_assert_max_num_queries(6):
        html = _html(client.get("/directory/knus-ke/"))

    assert "Other member unions in Kenya" in html
    assert html.count("Other Kenyan Union") == 3
    assert "Ghana Union" not in html
    assert "Kenya National Union of Students</a>" not in html  # not itself
