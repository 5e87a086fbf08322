"""The yearly return page of the member area (/member/<slug>/return/): the form, the year's due date,
the returns filed, and refusals shown as form errors with nothing changed."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import Representative, YearlyReturn
from registry.selectors import federation_year, return_due_on, today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user

pytestmark = pytest.mark.django_db

# The return page's queries, however many returns the union filed (measured, then pinned).
RETURN_PAGE_QUERIES = 14  # with the navigation's two reads of a signed-in person


def person():
    user = applicant_user()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def union(regions):
    membership = MembershipFactory(
        organization__region=regions["africa-east"], organization__slug="knus", organization__name="Kenya NUS"
    )
    first = person()
    representative_add_first(organization=membership.organization, user=first)
    return membership, first


def return_post(year, **extra) -> dict:
    data = {
        "year": str(year),
        "officers-TOTAL_FORMS": "3",
        "officers-INITIAL_FORMS": "0",
        "officers-MIN_NUM_FORMS": "0",
        "officers-MAX_NUM_FORMS": "40",
        "officers-0-name": "Amina Otieno",
        "officers-0-role": "President",
        "officers-0-email": "amina@knus.example",
        "officers-1-name": "Brian Kamau",
        "officers-1-role": "Treasurer",
        "officers-1-email": "",
        "students_represented": "120000",
        "activities": "A national congress and a housing campaign.",
        "events": "The federation's summer school.",
    }
    data.update(extra)
    return data


def test_the_page_shows_the_year_and_its_due_date(union):
    _membership, first = union
    year = federation_year(today())

    response = client_for(first).get("/member/knus/return/")

    assert response.status_code == 200
    text = response.content.decode()
    assert f"Federation year {year}" in text
    assert return_due_on(year).strftime("%-d %B %Y") in text
    assert 'id="return-form"' in text
    assert "No return filed yet." in text


def test_a_representative_files_the_return_through_the_form(union):
    membership, first = union
    year = federation_year(today())

    response = client_for(first).post("/member/knus/return/", return_post(year))

    assert response.status_code == 302
    filed = YearlyReturn.objects.get(membership=membership, year=year)
    assert filed.filed_by == first
    assert filed.data == {
        "officers": [
            {"name": "Amina Otieno", "role": "President", "email": "amina@knus.example"},
            {"name": "Brian Kamau", "role": "Treasurer", "email": ""},
        ],
        "students_represented": 120000,
        "activities": "A national congress and a housing campaign.",
        "events": "The federation's summer school.",
    }
    page = client_for(first).get("/member/knus/return/").content.decode()
    assert "Amina Otieno" in page
    assert "summer school" in page
    assert "Filed on" in page


def test_the_latest_return_s_count_of_students_is_the_one_the_directory_page_shows(union):
    membership, first = union
    year = federation_year(today())
    organization = membership.organization

    client_for(first).post("/member/knus/return/", return_post(year, students_represented="120000"))
    organization.refresh_from_db()
    assert organization.students_represented == 120_000
    assert "120,000" in Client().get(f"/directory/{organization.slug}/").content.decode()

    # A late return for an earlier year does not overwrite the newer count.
    client_for(first).post("/member/knus/return/", return_post(year - 1, students_represented="90000"))
    organization.refresh_from_db()
    assert organization.students_represented == 120_000
    assert YearlyReturn.objects.filter(membership=membership).count() == 2


def test_a_past_year_missing_can_be_filed_and_shows_among_the_returns(union):
    membership, first = union
    year = federation_year(today()) - 1

    response = client_for(first).post("/member/knus/return/", return_post(year))

    assert response.status_code == 302
    assert YearlyReturn.objects.filter(membership=membership, year=year).exists()
    assert f"{year} — filed on" in client_for(first).get("/member/knus/return/").content.decode()


def test_a_return_for_a_year_already_filed_is_a_form_error_and_changes_nothing(union):
    membership, first = union
    year = federation_year(today())
    YearlyReturn.objects.create(
        membership=membership, year=year, filed_at=timezone.now(), data={"activities": "Old"}
    )

    response = client_for(first).post("/member/knus/return/", return_post(year))

    assert response.status_code == 409
    assert f"The return for {year} is filed already." in response.content.decode()
    assert YearlyReturn.objects.get(membership=membership, year=year).data == {"activities": "Old"}


def test_an_ended_membership_files_no_return(union):
    membership, first = union
    membership.state, membership.ended_on, membership.end_reason = (
        "ended",
        datetime.date(2024, 6, 30),
        "withdrawn",
    )
    membership.save()

    page = client_for(first).get("/member/knus/return/")
    response = client_for(first).post("/member/knus/return/", return_post(federation_year(today())))

    assert page.status_code == 200
    assert 'id="return-form"' not in page.content.decode()
    assert response.status_code == 409
    assert "membership has ended" in response.content.decode()
    assert not YearlyReturn.objects.exists()


def test_an_officer_row_without_a_name_is_an_error_next_to_it(union):
    _membership, first = union
    data = return_post(federation_year(today()), **{"officers-2-role": "Secretary"})

    response = client_for(first).post("/member/knus/return/", data)

    assert response.status_code == 400
    assert "Give the officer&#x27;s name, or clear the row." in response.content.decode()
    assert not YearlyReturn.objects.exists()


def test_the_form_starts_from_the_last_return_s_officers(union):
    membership, first = union
    YearlyReturn.objects.create(
        membership=membership,
        year=federation_year(today()) - 1,
        filed_at=timezone.now(),
        data={
            "officers": [{"name": "Chebet Wanjiru", "role": "President", "email": ""}],
            "students_represented": 9,
        },
    )

    form = client_for(first).get("/member/knus/return/").context["form"]

    assert form.officers.forms[0].initial["name"] == "Chebet Wanjiru"
    assert form.initial["students_represented"] == 9


def test_someone_who_does_not_represent_the_union_gets_404(union):
    _membership, _first = union
    stranger = person()
    Representative.objects.filter(user=stranger).delete()

    assert client_for(stranger).get("/member/knus/return/").status_code == 404
    assert client_for(stranger).post("/member/knus/return/", return_post(2026)).status_code == 404
    assert not YearlyReturn.objects.exists()


def test_the_union_page_links_to_the_return(union):
    _membership, first = union
    text = client_for(first).get("/member/knus/").content.decode()
    assert "/member/knus/return/" in text
    assert "File the yearly return" in text


def test_the_page_costs_the_same_queries_with_one_return_filed_or_five(union):
    membership, first = union
    client = client_for(first)
    this_year = federation_year(today())
    YearlyReturn.objects.create(membership=membership, year=this_year - 1, filed_at=timezone.now(), data={})
    with CaptureQueriesContext(connection) as one:
        client.get("/member/knus/return/")
    for year in range(this_year - 5, this_year - 1):
        YearlyReturn.objects.create(membership=membership, year=year, filed_at=timezone.now(), data={})
    with CaptureQueriesContext(connection) as five:
        client.get("/member/knus/return/")

    assert len(one.captured_queries) == len(five.captured_queries) == RETURN_PAGE_QUERIES
