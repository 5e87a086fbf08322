"""The application's whole life in the browser in Arabic on a phone and in French on a wide screen.

The story of tests/e2e/journey.py, every person's browser asking for the language: pages are
``<html lang dir>`` of it, labels and messages are the catalog's, axe-core finds nothing serious,
and no Arabic page shows a Latin word but the people's own data, addresses and codes.
"""

import json

import pytest

from registry.models import MembershipState
from tests.e2e.journey import application_journey, blocking_axe_failures, latin_words
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize(("language", "width"), [("ar", 390), ("fr", 1280)])
def test_an_application_from_sign_up_to_the_directory_in(
    language, width, new_context, live_server, regions, settings, var_mail
):
    application, journey = application_journey(
        new_context, live_server, settings, var_mail, language=language, width=width
    )

    assert application.state == ApplicationState.ADMITTED
    assert application.organization.memberships.filter(state=MembershipState.ACTIVE).exists()
    assert blocking_axe_failures(journey) == {}
    latin = latin_words(journey)
    assert latin == {}, json.dumps(latin, ensure_ascii=False, indent=1)
