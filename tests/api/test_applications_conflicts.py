"""The API shows someone with a conflict of interest their case only as its applicant sees it."""

from dataclasses import replace

import pytest

from tests.api.workflow_fixtures import client_with, token_for
from tests.cast import application_in
from workflows.models import ApplicationState, Ballot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflow_settings")]

S = ApplicationState
API = "/api/v1/applications/"


def test_a_committee_member_sees_their_own_application_as_its_applicant(cast):
    member = cast.committee[0]
    application = application_in(S.EXECUTIVE_VOTE, replace(cast, applicant=member))
    client = client_with(f"Token {token_for(member)}")

    detail = client.get(f"{API}{application.pk}/")
    ballot = client.post(f"{API}{application.pk}/ballots/", {"choice": "yes"}, format="json")
    history = client.get(f"{API}{application.pk}/history/").json()

    assert detail.status_code == 200
    assert detail.json()["actions"] == ["withdraw"]
    assert ballot.status_code == 403
    assert not Ballot.objects.filter(round__application=application).exists()
    assert {entry["by"] for entry in history if entry["transition"] != "submit"} == {"The federation"}
