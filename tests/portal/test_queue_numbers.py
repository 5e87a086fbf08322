"""The committee queue's counts read 1,234, not 1234."""

import pytest

from tests.factories import ApplicationFactory, RegionFactory, applicant_user
from workflows.models import ApplicationState, MembershipApplication

pytestmark = pytest.mark.django_db


def test_the_committee_queue_counts_have_thousands_separators(client_as, cast):
    applicant, region = applicant_user(), RegionFactory()
    MembershipApplication.objects.bulk_create(
        ApplicationFactory.build(applicant=applicant, region=region, state=ApplicationState.REJECTED)
        for _ in range(1234)
    )

    page = " ".join(client_as(cast.secretariat).get("/committee/").content.decode().split())

    assert '<span class="count">1,234</span> Rejected' in page
