"""The committee's page names people by their names (``display_name``), not their e-mail addresses."""

import pytest

from tests.portal.conftest import S
from workflows import services

pytestmark = pytest.mark.django_db


def test_the_committee_page_names_reviewers_voters_and_the_applicant(cast, application_in, client_as):
    cast.applicant.first_name, cast.applicant.last_name = "Amani", "Otieno"
    cast.applicant.save()
    names = [("Chidi", "Okafor"), ("Lin", "Wei"), ("Sara", "Haddad"), ("Ivo", "Novak")]
    for user, (first, last) in zip([*cast.reviewers, *cast.committee], names, strict=True):
        user.first_name, user.last_name = first, last
        user.save()
    application = application_in(S.EXECUTIVE_VOTE)
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")

    page = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    for name in ("Amani Otieno", "Chidi Okafor", "Lin Wei", "Sara Haddad", "Ivo Novak"):
        assert name in page, name
    for person in [*cast.reviewers, *cast.committee]:
        assert person.email not in page, person.email


def test_someone_without_a_name_is_shown_by_their_address(cast, application_in, client_as):
    reviewer = cast.reviewers[0]
    reviewer.first_name = reviewer.last_name = ""
    reviewer.save()
    application = application_in(S.UNDER_REVIEW)

    page = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    assert reviewer.email in page
