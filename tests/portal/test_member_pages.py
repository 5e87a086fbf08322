"""The member area (/member/), the invitation link and the secretariat's change requests, through the pages."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from registry.models import ChangeRequest, ChangeRequestState, Representative, YearlyReturn
from registry.selectors import federation_year, today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from workflows import membership as member_services

pytestmark = pytest.mark.django_db


def person(email=None):
    user = applicant_user(**({"username": email, "email": email} if email else {}))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def union(regions):
    membership = MembershipFactory(
        organization__region=regions["africa-east"], organization__slug="knus", organization__name="Kenya NUS"
    )
    first = person()
    representative_add_first(organization=membership.organization, user=first)
    return membership.organization, first


def test_a_representative_sees_the_union_its_membership_and_good_standing(union):
    organization, first = union
    YearlyReturn.objects.create(
        membership=organization.memberships.get(), year=federation_year(today()), filed_at=timezone.now()
    )

    home = client_for(first).get("/member/")
    page = client_for(first).get("/member/knus/")

    assert home.status_code == 200
    assert b"Kenya NUS" in home.content
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        "Kenya NUS",
        "Full member",
        "1 May 2020",
        "in good standing today",
        "Filed on",
        first.email,
    ):
        assert expected in text, expected
    assert 'id="invite-form"' in text
    assert 'id="profile-form"' in text


@pytest.mark.parametrize(
    "path",
    [
        "/member/knus/",
        "/member/knus/profile/",
        "/member/knus/invitations/",
        "/member/knus/change-requests/",
        "/member/nowhere/",
    ],
)
def test_anyone_but_its_representatives_gets_404_and_anonymous_the_log_in(union, path):
    other_union = MembershipFactory().organization
    other = person()
    representative_add_first(organization=other_union, user=other)
    method = "get" if path in ("/member/knus/", "/member/nowhere/") else "post"

    for outsider in (other, person(), secretariat_user()):
        response = getattr(client_for(outsider), method)(path, {"email": "x@example.org", "city": "X"})
        assert response.status_code == 404, (outsider, path)
    anonymous = getattr(client_for(), method)(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert not Notification.objects.exists()
    assert organization_city(union[0]) == "Nairobi"


def organization_city(organization):
    organization.refresh_from_db()
    return organization.city


def test_a_representative_edits_the_profile_and_a_bad_value_is_shown_next_to_its_field(union):
    organization, first = union
    client = client_for(first)
    data = {
        "website": "https://knus.example.org",
        "city": "Mombasa",
        "email": "hello@knus.example.org",
        "description": "Students of Kenya.",
        "social_links": "https://social.example/knus",
    }

    assert client.post("/member/knus/profile/", data)["Location"] == "/member/knus/"
    organization.refresh_from_db()
    assert (organization.city, organization.social_links) == ("Mombasa", ["https://social.example/knus"])

    response = client.post("/member/knus/profile/", {**data, "social_links": "ftp://files.example/knus"})
    assert response.status_code == 400
    assert "is not a web address" in response.content.decode()
    organization.refresh_from_db()
    assert organization.social_links == ["https://social.example/knus"]


def test_an_invitation_from_the_page_is_accepted_from_its_link_once(union):
    organization, first = union
    newcomer = person("newcomer@knus.example.org")

    response = client_for(first).post("/member/knus/invitations/", {"email": newcomer.email})
    assert response["Location"] == "/member/knus/"
    link = Notification.objects.get(event="representative_invited").context["link"]
    path = link.removeprefix("http://testserver").split("://", 1)[-1]
    path = path[path.index("/invitations/") :]

    stranger = client_for(person())
    assert stranger.get(path).status_code == 200  # explains that it is for another address
    assert stranger.post(path).status_code == 403
    assert client_for().get(path)["Location"].startswith("/accounts/login/")
    invited = client_for(newcomer)
    assert b"Accept the invitation" in invited.get(path).content
    assert invited.post(path)["Location"] == "/member/knus/"
    assert invited.post(path).status_code == 409  # used already
    assert client_for(newcomer).get("/invitations/not-a-token/").status_code == 404
    assert Representative.objects.filter(organization=organization, removed_at__isnull=True).count() == 2


def test_an_invalid_invitation_address_stays_on_the_page(union):
    _organization, first = union
    response = client_for(first).post("/member/knus/invitations/", {"email": "not an address"})

    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_representatives_are_removed_and_made_primary_from_the_page(union):
    organization, first = union
    second = representative_add_first(organization=organization, user=person())
    first_row = Representative.objects.get(user=first)
    client = client_for(first)

    client.post(f"/member/knus/representatives/{second.pk}/primary/")
    second.refresh_from_db()
    assert second.is_primary
    response = client.post(f"/member/knus/representatives/{first_row.pk}/remove/")  # leaves the union
    assert response["Location"] == "/member/"
    assert client.get("/member/knus/").status_code == 404
    # The last one stays.
    client_for(second.user).post(f"/member/knus/representatives/{second.pk}/remove/")
    second.refresh_from_db()
    assert second.removed_at is None


def test_a_name_change_goes_to_the_secretariat_who_approves_or_declines(union):
    organization, first = union
    secretariat = secretariat_user()
    response = client_for(first).post(
        "/member/knus/change-requests/", {"name": "Kenya Students' Union", "comment": "New statutes."}
    )
    assert response["Location"] == "/member/knus/"
    change_request = ChangeRequest.objects.get()
    staff = client_for(secretariat)

    listing = staff.get("/committee/change-requests/")
    assert listing.status_code == 200
    assert "Kenya Students&#x27; Union" in listing.content.decode()
    staff.post(f"/committee/change-requests/{change_request.pk}/", {"action": "decline", "reason": ""})
    change_request.refresh_from_db()
    assert change_request.state == ChangeRequestState.PENDING  # a decline needs a reason
    staff.post(f"/committee/change-requests/{change_request.pk}/", {"action": "approve"})
    organization.refresh_from_db()
    assert organization.name == "Kenya Students' Union"
    assert "Approved" in client_for(first).get("/member/knus/").content.decode()


def test_the_change_requests_page_is_the_secretariat_s(union):
    _organization, first = union
    assert client_for(first).get("/committee/change-requests/").status_code == 403
    assert client_for().get("/committee/change-requests/")["Location"].startswith("/accounts/login/")


def test_an_ended_membership_shows_its_end_and_offers_no_change(union):
    organization, first = union
    organization.memberships.update(
        state="ended", ended_on=datetime.date(2024, 6, 30), end_reason="withdrawn"
    )

    text = client_for(first).get("/member/knus/").content.decode()

    assert "Ended" in text
    assert "Withdrawn" in text
    assert 'id="profile-form"' not in text
    assert 'id="invite-form"' not in text
    response = client_for(first).post("/member/knus/change-requests/", {"name": "Another name"})
    assert response.status_code == 302
    assert not ChangeRequest.objects.exists()


def test_member_services_and_pages_agree_on_who_may_file_a_return(union):
    organization, first = union
    membership = organization.memberships.get()
    member_services.yearly_return_file(membership=membership, actor=first, data={"activities": "A congress."})

    assert "Filed on" in client_for(first).get("/member/knus/").content.decode()


def test_the_union_page_never_gives_two_fields_one_id(union):
    """The profile and the invitation both ask for an e-mail: each label names its own field."""
    organization, first = union
    html = client_for(first).get(f"/member/{organization.slug}/").content.decode()
    ids = re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html)
    assert ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for element_id in ids:
        assert f'for="{element_id}"' in html, element_id
