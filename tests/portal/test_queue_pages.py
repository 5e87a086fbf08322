"""The committee queue in pages: oldest waiting first, fifty a page, the filters kept from page to
page, and the same queries however long the queue."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests.cast import S, application_in, reload
from tests.factories import ApplicationFactory, RegionFactory, applicant_user
from workflows import selectors, services
from workflows.models import QUEUE_OPEN_STATES, MembershipApplication

pytestmark = pytest.mark.django_db

START = timezone.now() - datetime.timedelta(days=400)


def _waiting(n: int, *, states=QUEUE_OPEN_STATES, region=None, start: int = 0) -> list[MembershipApplication]:
    """``n`` applications in the open states in turn, one day apart (the oldest first); two share
    each moment, so the order's tie-break (the id) is exercised."""
    applicant, region = applicant_user(), region or RegionFactory()
    return MembershipApplication.objects.bulk_create(
        ApplicationFactory.build(
            applicant=applicant,
            region=region,
            name=f"Union {start + i:03}",
            state=states[i % len(states)],
            state_changed_at=START + datetime.timedelta(days=(start + i) // 2),
        )
        for i in range(n)
    )


def _next_link(response) -> str | None:
    query = response.context["next_query"]
    return f"/committee/?{query}" if query else None


def _walk(client, url: str) -> tuple[list[str], list]:
    """Every page from ``url`` on, following the next-page links: the names in order, the responses."""
    names, responses = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        responses.append(response)
        names += [application.name for application, _ in response.context["rows"]]
        url = _next_link(response)
    return names, responses


def test_the_queue_shows_fifty_a_page_oldest_first_and_links_the_next(cast, client_as):
    _waiting(120)
    client = client_as(cast.secretariat)

    names, pages = _walk(client, "/committee/")

    assert names == [f"Union {i:03}" for i in range(120)]
    assert [len(page.context["rows"]) for page in pages] == [50, 50, 20]
    assert [page.context["total"] for page in pages] == [120, 120, 120]
    assert 'rel="next"' in pages[0].content.decode()
    assert 'rel="next"' not in pages[-1].content.decode()
    assert pages[0].context["first_query"] is None
    assert "First page" in pages[1].content.decode()
    assert '<span class="count">' in pages[1].content.decode()
    assert "120 applications" in " ".join(pages[1].content.decode().split())


def test_the_next_pages_keep_the_filters(cast, client_as, regions):
    _waiting(70, states=[S.UNDER_REVIEW, S.SUBMITTED], region=regions["africa-east"])
    _waiting(30, states=[S.UNDER_REVIEW], region=regions["europe-north"], start=70)
    client = client_as(cast.secretariat)

    names, pages = _walk(client, "/committee/?state=under_review&region=africa")

    assert names == [f"Union {i:03}" for i in range(0, 70, 2)]
    assert len(pages) == 1
    names, pages = _walk(client, "/committee/?region=africa")
    assert len(names) == 70
    assert len(pages) == 2
    assert parse_qs(urlsplit(_next_link(pages[0])).query)["region"] == ["africa"]


def test_a_reviewers_next_page_stays_on_their_own_applications(cast, client_as):
    applications = _waiting(55, states=[S.UNDER_REVIEW])
    _waiting(5, states=[S.UNDER_REVIEW], start=55)
    for application in applications:
        application.assignments.create(reviewer=cast.other_reviewer, assigned_by=cast.secretariat)

    names, pages = _walk(client_as(cast.other_reviewer), "/committee/")

    assert names == [f"Union {i:03}" for i in range(55)]
    assert parse_qs(urlsplit(_next_link(pages[0])).query)["mine"] == ["1"]


@pytest.mark.parametrize("cursor", ["bogus", "20250101T000000000000.x", "9" * 40, "20251301T000000000000.1"])
def test_a_broken_page_link_answers_400_with_a_message(cast, client_as, cursor):
    _waiting(3)
    response = client_as(cast.secretariat).get("/committee/", {"after": cursor})

    assert response.status_code == 400
    assert response.context["rows"] == []
    assert "The link to this page of the list is not valid" in response.content.decode()


def test_a_transition_sends_the_application_to_the_back_of_the_queue(cast, client_as):
    first = application_in(S.SUBMITTED, cast, assigned=False, name="First")
    application_in(S.SUBMITTED, cast, assigned=False, name="Second", country="UG")
    MembershipApplication.objects.filter(pk=first.pk).update(state_changed_at=START)
    assert [a.name for a in selectors.committee_queue()] == ["First", "Second"]

    services.application_start_review(
        application=reload(first), actor=cast.secretariat, reviewers=cast.reviewers
    )

    assert reload(first).state_changed_at > timezone.now() - datetime.timedelta(minutes=1)
    assert [a.name for a in selectors.committee_queue()] == ["Second", "First"]


@pytest.mark.parametrize("who", ["secretariat", "committee", "reviewer"])
def test_the_queue_costs_the_same_queries_with_10_or_60_applications(cast, client_as, who):
    user = {"secretariat": cast.secretariat, "committee": cast.committee[0], "reviewer": cast.reviewers[0]}[
        who
    ]
    client = client_as(user)
    _waiting(10)
    client.get("/committee/")  # the session and the caches warm

    def queries(url: str) -> list[str]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    small = queries("/committee/?mine=")
    _waiting(50, start=10)
    large = queries("/committee/?mine=")
    later = queries(
        f"/committee/?mine=&after={selectors.queue_cursor(MembershipApplication.objects.get(name='Union 004'))}"
    )

    assert len(small) == len(large) == len(later)
    assert len(large) <= 16
