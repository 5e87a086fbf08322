"""The committee's page is not for someone with a conflict of interest in the application: its
applicant is sent to their own status page, anyone else with a conflict gets a 404."""

from dataclasses import replace

import pytest

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS
from tests.cast import S, new_draft, reload, walk
from tests.factories import UserFactory
from workflows.models import Ballot

pytestmark = pytest.mark.django_db


def _page(application) -> str:
    return f"/committee/applications/{application.pk}/"


def test_a_committee_member_who_applied_is_sent_from_the_committee_page_to_their_status_page(
    cast, client_as, regions
):
    member = cast.committee[0]
    theirs = replace(cast, applicant=member)
    application = walk(
        new_draft(theirs, region=regions["africa-east"]), S.EXECUTIVE_VOTE, theirs, assigned=False
    )
    client = client_as(member)

    page = client.get(_page(application))
    vote = client.post(
        _page(application), {"action": "vote", "choice": "yes", "expected_state": S.EXECUTIVE_VOTE}
    )
    status = client.get(f"/applications/{application.pk}/")

    assert (page.status_code, page["Location"]) == (302, f"/applications/{application.pk}/")
    assert (vote.status_code, vote["Location"]) == (302, f"/applications/{application.pk}/")
    assert not Ballot.objects.filter(round__application=application).exists()
    assert reload(application).state == S.EXECUTIVE_VOTE
    assert status.status_code == 200
    assert "Eligible." not in status.content.decode()  # the reviews' text


def test_who_applied_for_the_organization_before_gets_404_on_its_new_application(cast, client_as, regions):
    former = UserFactory(groups=[REVIEWERS, EXECUTIVE_COMMITTEE])
    theirs = replace(cast, applicant=former)
    first = walk(new_draft(theirs, region=regions["africa-east"], name="Old Union"), S.ADMITTED, theirs)
    again = walk(
        new_draft(cast, region=regions["africa-east"], organization=first.organization), S.UNDER_REVIEW, cast
    )
    client = client_as(former)

    assert client.get(_page(again)).status_code == 404
    assert client.get(f"/applications/{again.pk}/").status_code == 404
    assert client.get(_page(first)).status_code == 302  # their own: as its applicant
