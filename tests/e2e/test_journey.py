"""An application's whole life in a real browser: sign-up to the directory, in English.

The story is told in tests/e2e/journey.py (and in Arabic and French by test_journey_languages.py):
the applicant signs up and verifies the e-mail from var/mail/, drafts, uploads, sends; the
secretariat asks for information; the applicant answers; two reviewers review; three committee
members vote on their phones; the union is admitted and listed. Screenshots and axe-core checks
are taken of the main pages on the way.
"""

import json

import pytest

from registry.models import MembershipState
from tests.e2e.journey import application_journey, blocking_axe_failures, latin_words
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_an_application_from_sign_up_to_the_directory(new_context, live_server, regions, settings, var_mail):
    application, journey = application_journey(
        new_context, live_server, settings, var_mail, language="en", width=1280, phone=390
    )

    assert application.state == ApplicationState.ADMITTED
    assert application.organization.memberships.filter(state=MembershipState.ACTIVE).exists()
    assert blocking_axe_failures(journey) == {}
    latin = latin_words(journey)
    assert latin == {}, json.dumps(latin, ensure_ascii=False, indent=1)
