"""The audit of registry changes: who changed what and when, read-only in the admin."""

import datetime

import pytest
from django.contrib import admin

from registry.models import Membership, MembershipState, Organization
from tests.factories import MembershipFactory, OrganizationFactory, secretariat_user

pytestmark = pytest.mark.django_db

ORG_FIELDS = (
    "name",
    "acronym",
    "slug",
    "country",
    "region",
    "city",
    "website",
    "email",
    "founded_year",
    "students_represented",
    "kind",
)


@pytest.fixture
def secretariat(client, settings):
    settings.OFFICERS_REQUIRE_MFA = False  # two-factor is tested with the accounts
    user = secretariat_user()
    client.force_login(user)
    return user


def organization_form(org: Organization, **changes) -> dict:
    data = {field: getattr(org, f"{field}_id" if field == "region" else field) for field in ORG_FIELDS}
    data = {key: "" if value is None else str(value) for key, value in data.items()}
    data.update({"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def changes(record, *, exclude=("updated_at",)) -> list[tuple]:
    delta = record.diff_against(record.prev_record, excluded_fields=list(exclude))
    return [(change.field, change.old, change.new) for change in delta.changes]


def test_editing_an_organization_in_the_admin_records_who_changed_what_and_when(client, secretariat):
    org = OrganizationFactory(city="Nairobi")
    before = datetime.datetime.now(datetime.UTC)

    response = client.post(
        f"/admin/registry/organization/{org.pk}/change/", organization_form(org, city="Mombasa")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    latest = org.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == secretariat
    assert latest.history_date >= before
    assert changes(latest) == [("city", "Nairobi", "Mombasa")]
    assert org.history.count() == 2  # created, changed


def test_changing_a_membership_in_the_admin_records_who_changed_its_state(client, secretariat):
    membership = MembershipFactory()

    response = client.post(
        f"/admin/registry/membership/{membership.pk}/change/",
        {
            "organization": membership.organization_id,
            "category": membership.category,
            "state": MembershipState.SUSPENDED,
            "admitted_on": membership.admitted_on.isoformat(),
            "ended_on": "",
            "end_reason": "",
            "suspensions-TOTAL_FORMS": "0",
            "suspensions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    latest = membership.history.latest()
    assert latest.history_user == secretariat
    assert changes(latest) == [("state", MembershipState.ACTIVE, MembershipState.SUSPENDED)]
    # The suspension is dated from today: good standing on past dates does not change.
    suspension = membership.suspensions.get()
    assert (suspension.starts_on, suspension.ends_on) == (latest.history_date.date(), None)


def test_a_membership_changed_inline_on_its_organization_is_recorded_too(client, secretariat):
    membership = MembershipFactory()
    org = membership.organization
    data = organization_form(
        org,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-organization": str(org.pk),
            "memberships-0-category": "observer",
            "memberships-0-state": membership.state,
            "memberships-0-end_reason": "",
            "memberships-0-admitted_on": membership.admitted_on.isoformat(),
            "memberships-0-ended_on": "",
        },
    )

    response = client.post(f"/admin/registry/organization/{org.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    latest = membership.history.latest()
    assert latest.history_user == secretariat
    assert changes(latest) == [("category", "full", "observer")]


def test_a_change_in_code_is_recorded_without_a_user():
    org = OrganizationFactory(name="Old Name")

    org.name = "New Name"
    org.save()

    latest = org.history.latest()
    assert latest.history_user is None
    assert changes(latest) == [("name", "Old Name", "New Name")]


def test_a_deleted_membership_keeps_its_history():
    membership = MembershipFactory()
    pk = membership.pk

    membership.delete()

    assert [r.history_type for r in Membership.history.filter(id=pk).order_by("history_date")] == ["+", "-"]


def test_the_admin_shows_the_history_of_an_organization(client, secretariat):
    org = OrganizationFactory(city="Nairobi")
    client.post(f"/admin/registry/organization/{org.pk}/change/", organization_form(org, city="Kisumu"))

    response = client.get(f"/admin/registry/organization/{org.pk}/history/")

    assert response.status_code == 200
    html = response.content.decode()
    assert secretariat.username in html
    assert "Kisumu" in html


def test_a_historical_version_can_be_viewed_but_not_reverted(client, secretariat):
    org = OrganizationFactory(city="Nairobi")
    client.post(f"/admin/registry/organization/{org.pk}/change/", organization_form(org, city="Kisumu"))
    first = org.history.earliest()
    url = f"/admin/registry/organization/{org.pk}/history/{first.history_id}/"

    viewed = client.get(url)
    posted = client.post(url, organization_form(org, city="Nairobi"))

    assert viewed.status_code == 200
    assert "Revert" not in viewed.content.decode()
    assert posted.status_code == 405
    org.refresh_from_db()
    assert org.city == "Kisumu"
    assert org.history.count() == 2


@pytest.mark.parametrize("model", [Organization, Membership])
def test_the_history_has_no_admin_to_edit_or_delete_it(client, secretariat, model):
    history_model = model.history.model
    name = history_model._meta.model_name

    assert not admin.site.is_registered(history_model)
    assert client.get(f"/admin/registry/{name}/").status_code == 404
    for action in ("add", "change", "delete"):
        assert not secretariat.has_perm(f"registry.{action}_{name}")
