"""The committee's application page and the applicant's status page in two columns (static/css/site.css
"two columns"): the state, what to do, the reviewers' progress and the vote in the side column, which comes
first in the page (first on a phone, on the right on a wide screen); the application's content in the other."""

import re

import pytest

from tests.cast import S, application_in
from workflows import services

pytestmark = pytest.mark.django_db


def _columns(html: str) -> tuple[str, str]:
    """(side column, main column) of a page, checking the side column comes first."""
    side_at = html.index('class="side-col"')
    main_at = html.index('<div class="main-col">')
    assert html.index('<div class="two-col">') < side_at < main_at
    return html[side_at:main_at], html[main_at:]


def _h2s(part: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", h).split()) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", part, re.S)
    ]


def test_the_committee_page_puts_state_actions_reviewers_and_vote_in_the_side_column(cast, client_as):
    application = application_in(S.EXECUTIVE_VOTE, cast)

    html = client_as(cast.secretariat).get(f"/committee/applications/{application.pk}/").content.decode()

    side, main = _columns(html)
    assert 'class="state-badge' in side
    assert _h2s(side) == ["What you can do", "Reviewers", "Executive Committee vote"]
    assert _h2s(main) == ["The union", "Documents", "Reviews", "History"]
    assert "2 of 2 reviews written." in " ".join(side.split())


def test_a_reviewer_who_has_not_reviewed_sees_who_is_assigned_but_not_the_count(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )

    html = client_as(cast.reviewers[0]).get(f"/committee/applications/{application.pk}/").content.decode()

    side, _main = _columns(html)
    assert "Reviewers" in _h2s(side)
    assert "reviews written" not in side
    assert cast.reviewers[1].get_full_name() in side


def test_the_status_page_puts_the_state_and_actions_in_the_side_column(cast, client_as):
    application = application_in(S.DRAFT, cast)

    html = client_as(cast.applicant).get(f"/applications/{application.pk}/").content.decode()

    side, main = _columns(html)
    assert _h2s(side) == ["Where your application is now"]
    assert "Change my application" in side
    assert _h2s(main) == ["History", "Documents"]
