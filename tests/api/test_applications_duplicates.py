"""The API: the secretariat sees an application's likely duplicates, links it to a former member or
confirms it is a new organization; the vote does not open before."""

import datetime

import pytest

from registry.models import EndReason, MembershipState
from tests.cast import application_in, reload
from tests.factories import MembershipFactory
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
API = "/api/v1/applications/"
NAME = "National Union of Students"


def url(application, action: str = "") -> str:
    return f"{API}{application.pk}/{action + '/' if action else ''}"


@pytest.fixture
def former(db):
    return MembershipFactory(
        organization__name=NAME,
        organization__slug="nus-ke",
        state=MembershipState.ENDED,
        end_reason=EndReason.WITHDRAWN,
        admitted_on=datetime.date(2001, 1, 1),
        ended_on=datetime.date(2015, 6, 30),
    ).organization


def test_only_the_secretariat_sees_the_possible_duplicates(cast, api_as, former):
    application = application_in(S.SUBMITTED, cast, name=NAME)

    seen = {
        role: api_as(role).get(url(application)).json() for role in ("secretariat", "committee", "applicant")
    }

    assert seen["secretariat"]["possible_duplicates"] == [
        {"id": former.pk, "name": NAME, "slug": "nus-ke", "is_member": False}
    ]
    assert {"link-organization", "confirm-distinct"} <= set(seen["secretariat"]["actions"])
    assert seen["committee"]["possible_duplicates"] is None
    assert seen["applicant"]["possible_duplicates"] is None


def test_the_vote_waits_for_the_secretariat_to_link_the_application(cast, api_as, former):
    application = application_in(S.REVIEWED, cast, name=NAME)
    secretariat = api_as("secretariat")

    refused = secretariat.post(url(application, "open-vote"), {}, format="json")
    linked = secretariat.post(
        url(application, "link-organization"), {"organization": former.pk}, format="json"
    )
    opened = secretariat.post(url(application, "open-vote"), {}, format="json")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "possible_duplicate"
    assert NAME in refused.json()["error"]["message"]
    assert linked.status_code == 200
    assert linked.json()["possible_duplicates"] == []
    assert opened.status_code == 200
    assert reload(application).organization == former


def test_an_affiliate_is_never_linked(cast, api_as):
    affiliate = MembershipFactory().organization
    application = application_in(S.SUBMITTED, cast)

    response = api_as("secretariat").post(
        url(application, "link-organization"), {"organization": affiliate.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"]["organization"]
    assert reload(application).organization is None


def test_confirm_distinct_takes_an_empty_body_and_records_who(cast, api_as, former):
    application = application_in(S.SUBMITTED, cast, name=NAME)
    secretariat = api_as("secretariat")

    unknown = secretariat.post(
        url(application, "confirm-distinct"), {"organization": former.pk}, format="json"
    )
    confirmed = secretariat.post(url(application, "confirm-distinct"), {}, format="json")

    assert unknown.status_code == 400
    assert confirmed.status_code == 200
    application = reload(application)
    assert (application.organization, application.duplicates_checked_by) == (None, cast.secretariat)
