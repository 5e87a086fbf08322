"""Who may open which page: every portal page by every role, as tables.

Expected answers: 200 the page; "login" a redirect to the log-in page; 404 for
people who may not know the application exists; 403 for the committee pages to
people without a committee role; "committee" a redirect to the committee's page.
"""

import pytest
from django.urls import reverse

from tests.cast import ROLES, S, application_in

pytestmark = pytest.mark.django_db

LOGIN = "login"
TO_COMMITTEE = "committee"


def _outcome(response) -> object:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if "/committee/applications/" in location:
            return TO_COMMITTEE
        return location
    return response.status_code


def _row(anonymous, applicant, other_applicant, secretariat, assigned_reviewer, other_reviewer, committee):
    return dict(
        zip(
            ROLES,
            [
                anonymous,
                applicant,
                other_applicant,
                secretariat,
                assigned_reviewer,
                other_reviewer,
                committee,
            ],
            strict=True,
        )
    )


# (page, state of applicant A's application, URL builder, expected per role)
PAGES = [
    ("my applications", S.DRAFT, lambda a, d: "/applications/", _row(LOGIN, 200, 200, 200, 200, 200, 200)),
    (
        "new application",
        S.DRAFT,
        lambda a, d: "/applications/new/",
        _row(LOGIN, 200, 200, 200, 200, 200, 200),
    ),
    (
        "status (draft)",
        S.DRAFT,
        lambda a, d: f"/applications/{a}/",
        _row(LOGIN, 200, 404, TO_COMMITTEE, 404, 404, 404),
    ),
    (
        "status (submitted)",
        S.SUBMITTED,
        lambda a, d: f"/applications/{a}/",
        _row(LOGIN, 200, 404, TO_COMMITTEE, TO_COMMITTEE, TO_COMMITTEE, TO_COMMITTEE),
    ),
    ("edit", S.DRAFT, lambda a, d: f"/applications/{a}/edit/", _row(LOGIN, 200, 404, 404, 404, 404, 404)),
    (
        "documents",
        S.DRAFT,
        lambda a, d: f"/applications/{a}/documents/",
        _row(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    (
        "review before sending",
        S.DRAFT,
        lambda a, d: f"/applications/{a}/review/",
        _row(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    (
        "withdraw",
        S.SUBMITTED,
        lambda a, d: f"/applications/{a}/withdraw/",
        _row(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    (
        "delete the draft",
        S.DRAFT,
        lambda a, d: f"/applications/{a}/delete/",
        _row(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    (
        "document download (draft)",
        S.DRAFT,
        lambda a, d: f"/applications/{a}/documents/{d}/",
        _row(LOGIN, 200, 404, 200, 404, 404, 404),
    ),
    (
        "document download (submitted)",
        S.SUBMITTED,
        lambda a, d: f"/applications/{a}/documents/{d}/",
        _row(LOGIN, 200, 404, 200, 200, 200, 200),
    ),
    ("committee queue", S.SUBMITTED, lambda a, d: "/committee/", _row(LOGIN, 403, 403, 200, 200, 200, 200)),
    (
        "committee application (submitted)",
        S.SUBMITTED,
        lambda a, d: f"/committee/applications/{a}/",
        _row(LOGIN, 403, 403, 200, 200, 200, 200),
    ),
    (
        "committee application (draft)",
        S.DRAFT,
        lambda a, d: f"/committee/applications/{a}/",
        _row(LOGIN, 403, 403, 200, 404, 404, 404),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "state", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_who_may_open_each_page(cast, client_as, role, page, state, url, expected):
    application = application_in(state, cast, assigned=False)
    document = application.documents.first()
    response = client_as(cast.role(role)).get(url(application.pk, document.pk))
    assert _outcome(response) == expected[role]


APPLICATION_URLS = [
    ("get", "/applications/{a}/"),
    ("get", "/applications/{a}/edit/"),
    ("post", "/applications/{a}/edit/"),
    ("get", "/applications/{a}/documents/"),
    ("post", "/applications/{a}/documents/"),
    ("get", "/applications/{a}/documents/{d}/"),
    ("post", "/applications/{a}/documents/{d}/remove/"),
    ("get", "/applications/{a}/review/"),
    ("post", "/applications/{a}/submit/"),
    ("get", "/applications/{a}/withdraw/"),
    ("post", "/applications/{a}/withdraw/"),
    ("get", "/applications/{a}/delete/"),
    ("post", "/applications/{a}/delete/"),
]


@pytest.mark.parametrize(("method", "url"), APPLICATION_URLS)
def test_applicant_b_gets_404_on_every_url_of_a_and_changes_nothing(cast, client_as, method, url):
    application = application_in(S.DRAFT, cast)
    document = application.documents.first()
    before = (application.state, application.name, application.documents.count())
    client = client_as(cast.other_applicant)
    path = url.format(a=application.pk, d=document.pk)
    data = {"expected_state": "draft", "name": "Hijacked", "kind": "other"}
    response = client.get(path) if method == "get" else client.post(path, data)
    assert response.status_code == 404
    application.refresh_from_db()
    assert (application.state, application.name, application.documents.count()) == before


@pytest.mark.parametrize(
    "url", ["/applications/999999/", "/applications/999999/edit/", "/committee/applications/999999/"]
)
def test_an_application_that_does_not_exist_is_404_like_someone_elses(cast, client_as, url):
    assert client_as(cast.secretariat).get(url).status_code == 404


# What each role is offered on the committee page, by state: the actions the services would accept,
# now. "Start the review" waits for its reviewers, "complete" for the reviews (the page says why).
SUBMITTED_ACTIONS = {"request_info", "reject", "assign_reviewers"}
# At screening the secretariat decides whether the application is an organization of the registry.
DUPLICATE_ACTIONS = {"link_organization", "confirm_distinct"}
OFFERED = [
    (S.SUBMITTED, "secretariat", SUBMITTED_ACTIONS | DUPLICATE_ACTIONS),
    (S.SUBMITTED, "assigned_reviewer", set()),
    (S.SUBMITTED, "committee", set()),
    ("under_review_pending", "secretariat", {"request_info", "assign_reviewers"} | DUPLICATE_ACTIONS),
    ("under_review_pending", "assigned_reviewer", {"review"}),
    ("under_review_pending", "other_reviewer", set()),
    ("under_review_pending", "committee", set()),
    (S.UNDER_REVIEW, "assigned_reviewer", {"revise_review"}),
    ("answered", "assigned_reviewer", {"revise_review", "confirm_review"}),
    (
        "answered",
        "secretariat",
        {"request_info", "assign_reviewers"} | DUPLICATE_ACTIONS,
    ),  # complete: the reviews need confirming
    ("answered", "other_reviewer", set()),
    (S.REVIEWED, "secretariat", {"open_vote"} | DUPLICATE_ACTIONS),
    (S.REVIEWED, "committee", set()),
    (S.EXECUTIVE_VOTE, "secretariat", {"close_vote"}),
    (S.EXECUTIVE_VOTE, "committee", {"vote", "recuse"}),
    (S.EXECUTIVE_VOTE, "assigned_reviewer", set()),
    (S.EXECUTIVE_VOTE, "other_reviewer", set()),
    (S.ADMITTED, "secretariat", set()),
    (S.ADMITTED, "committee", set()),
]


@pytest.mark.parametrize(("state", "role", "offered"), OFFERED)
def test_the_committee_page_offers_only_the_actions_the_person_may_take(
    cast, client_as, role, state, offered
):
    from workflows import services

    if state == "under_review_pending":
        application = application_in(S.SUBMITTED, cast, assigned=False)
        services.application_start_review(
            application=application, actor=cast.secretariat, reviewers=cast.reviewers
        )
    elif state == "answered":  # under review again after an answer, the reviews written before it
        application = application_in(S.UNDER_REVIEW, cast)
        application = services.application_request_info(
            application=application, actor=cast.secretariat, comment="Statutes?"
        )
        application = services.application_resubmit(application=application, actor=cast.applicant)
        application = services.application_start_review(application=application, actor=cast.secretariat)
    else:
        application = application_in(state, cast, assigned=False)
    response = client_as(cast.role(role)).get(f"/committee/applications/{application.pk}/")
    assert response.status_code == 200
    assert set(response.context["forms"]) == offered
    html = response.content.decode()
    for action in offered:
        assert f'name="action" value="{action}"' in html
    # Every form says which state the person saw.
    assert html.count('name="expected_state"') == len(offered)


# What each role is offered on the applicant's status page.
APPLICANT_OFFERED = [
    (S.DRAFT, {"edit", "submit", "delete"}),
    (S.SUBMITTED, {"withdraw"}),
    (S.INFO_REQUESTED, {"edit", "resubmit", "withdraw"}),
    (S.EXECUTIVE_VOTE, {"withdraw"}),
    (S.ADMITTED, set()),
    (S.REJECTED, set()),
    (S.WITHDRAWN, set()),
]


@pytest.mark.parametrize(("state", "offered"), APPLICANT_OFFERED)
def test_the_status_page_offers_the_applicant_what_the_state_allows(cast, client_as, state, offered):
    application = application_in(state, cast, assigned=False)
    response = client_as(cast.applicant).get(f"/applications/{application.pk}/")
    assert response.context["actions"] == offered
    html = response.content.decode()
    assert (f"/applications/{application.pk}/withdraw/" in html) == ("withdraw" in offered)
    assert (f"/applications/{application.pk}/edit/" in html) == ("edit" in offered)
    assert (f"/applications/{application.pk}/delete/" in html) == ("delete" in offered)
