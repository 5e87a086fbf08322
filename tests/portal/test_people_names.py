"""The committee's page names people by their names (``display_name``), not their e-mail addresses."""

import pytest

from tests.cast import S, application_in
from workflows import services

pytestmark = pytest.mark.django_db


def test_the_committee_page_names_reviewers_voters_and_the_applicant(cast, client_as):
    cast.applicant.first_name, cast.applicant.last_name = "Amani", "Otieno"
    cast.applicant.save()
    names = [("Chidi", "Okafor"), ("Lin", "Wei"), ("Sara", "Haddad"), ("Ivo", "Novak")]
    voters = cast.committee[:2]  # the round stays open
    for user, (first, last) in zip([*cast.reviewers, *voters], names, strict=True):
        user.first_name, user.last_name = first, last
        user.save()
    application = application_in(S.EXECUTIVE_VOTE, cast)
    for member in voters:
        services.vote_cast(application=application, member=member, choice="yes")

    page = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    for name in ("Amani Otieno", "Chidi Okafor", "Lin Wei", "Sara Haddad", "Ivo Novak"):
        assert name in page, name
    for person in [*cast.reviewers, *voters]:
        assert person.email not in page, person.email


def test_someone_without_a_name_is_shown_by_their_address(cast, client_as):
    reviewer = cast.reviewers[0]
    reviewer.first_name = reviewer.last_name = ""
    reviewer.save()
    application = application_in(S.UNDER_REVIEW, cast)

    page = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    assert reviewer.email in page
