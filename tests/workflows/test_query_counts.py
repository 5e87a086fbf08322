"""The queries of each service, pinned, and shown not to grow with the committee or the ballots.

Counts include SAVEPOINT / RELEASE statements (each ``atomic`` block inside the test's
transaction is a savepoint) and the outbox rows written by ``workflows.notifications.emit``: one
insert per event that skips the keys already written and returns the new rows; the recipients'
chosen languages come with them (the lock reads the applicant with theirs, the staff are read with
theirs), so no query of their own. The caller's user objects are fresh, so the actor's groups are
read once (``accounts.roles`` caches them on the user object).

A transition: the lock (the application with its applicant), its guards once (in django-fsm's
``change_state``; the service asks them again only when the transition is refused, to name the
failing one), the log row's insert (not read back), one update of the application.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cast import application_in, reload
from tests.factories import ApplicationFactory, committee_member, pdf_upload
from workflows import services
from workflows.models import ApplicationDocument, ApplicationState, MembershipApplication, VoteRound

pytestmark = pytest.mark.django_db

S = ApplicationState
User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_application_create_queries(cast, django_assert_num_queries):
    applicant = fresh(cast.applicant)
    data = {"name": "Kenya Students Union", "country": "KE", "city": "Nairobi"}
    # savepoint; the country's region; the founding-year check constraint (full_clean, in a
    # savepoint); insert (in a savepoint); release.
    with django_assert_num_queries(9):
        services.application_create(applicant=applicant, data=data)


def test_application_update_queries(cast, django_assert_num_queries):
    application = ApplicationFactory(applicant=cast.applicant)
    applicant = fresh(cast.applicant)
    contacts = [{"name": f"Contact {i}", "email": f"c{i}@example.org"} for i in range(5)]
    # savepoint, lock, check constraint (3, savepoint), update (3, savepoint), delete the contacts
    # and insert all five in one statement, release.
    with django_assert_num_queries(12):
        services.application_update(
            application=application, actor=applicant, data={"city": "Mombasa"}, contacts=contacts
        )


def test_document_add_queries(cast, django_assert_num_queries):
    application = ApplicationFactory(applicant=cast.applicant)
    applicant = fresh(cast.applicant)
    with django_assert_num_queries(4):
        services.document_add(application=application, actor=applicant, kind="statutes", upload=pdf_upload())


def test_document_remove_queries(cast, django_assert_num_queries):
    application = application_in(S.DRAFT, cast)
    document = ApplicationDocument.objects.filter(application=application).first()
    applicant = fresh(cast.applicant)
    # savepoint, document.application read (lazy foreign key) and then locked: two reads of the
    # application, delete, release.
    with django_assert_num_queries(5):
        services.document_remove(document=document, actor=applicant)


def test_submit_queries(cast, django_assert_num_queries):
    application = application_in(S.DRAFT, cast)
    applicant = fresh(cast.applicant)
    # savepoint, lock, the documents (guard), log insert, update, the secretariat, outbox, release.
    with django_assert_num_queries(8):
        services.application_submit(application=application, actor=applicant)


def test_a_transition_writes_only_the_columns_it_changes(cast):
    application = application_in(S.DRAFT, cast)
    with CaptureQueriesContext(connection) as queries:
        services.application_submit(application=application, actor=fresh(cast.applicant))
    table = connection.ops.quote_name(MembershipApplication._meta.db_table)
    (update,) = [q["sql"] for q in queries if q["sql"].startswith(f"UPDATE {table}")]
    assignments = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    written = {part.split(" = ", 1)[0].strip('"') for part in assignments.split(", ")}
    assert written == {"state", "state_changed_at", "submitted_at", "updated_at"}
    submitted = reload(application)
    assert submitted.state == S.SUBMITTED
    assert submitted.submitted_at is not None
    assert (submitted.name, submitted.city, submitted.applicant_id) == (
        application.name,
        application.city,
        application.applicant_id,
    )


def test_request_info_queries(cast, django_assert_num_queries):
    application = application_in(S.SUBMITTED, cast)
    secretariat = fresh(cast.secretariat)
    with django_assert_num_queries(7):
        services.application_request_info(application=application, actor=secretariat, comment="Statutes?")


def test_resubmit_queries(cast, django_assert_num_queries):
    application = application_in(S.INFO_REQUESTED, cast)
    applicant = fresh(cast.applicant)
    # As submit, then the reviews written before this answer (the answer's time, the reviews: none
    # here, so no e-mail to reviewers).
    with django_assert_num_queries(10):
        services.application_resubmit(application=application, actor=applicant)


def test_reject_queries(cast, django_assert_num_queries):
    application = application_in(S.SUBMITTED, cast)
    secretariat = fresh(cast.secretariat)
    with django_assert_num_queries(8):
        services.application_reject(application=application, actor=secretariat, comment="Ineligible.")


def test_withdraw_during_the_vote_queries(cast, django_assert_num_queries):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    applicant = fresh(cast.applicant)
    # savepoint, lock, log insert, update (with the decision's time), the round made void, the
    # secretariat, outbox, release.
    with django_assert_num_queries(8):
        services.application_withdraw(application=application, actor=applicant)


def test_reviewers_assign_queries(cast, django_assert_num_queries):
    application = services.application_submit(application=application_in(S.DRAFT, cast), actor=cast.applicant)
    secretariat = fresh(cast.secretariat)
    # savepoint, lock, groups, eligible users, current assignments, one insert; then one outbox
    # event per new reviewer (their language, insert: it grows with the reviewers assigned), release.
    with django_assert_num_queries(11):
        services.reviewers_assign(application=application, actor=secretariat, reviewers=cast.reviewers)


def test_start_review_queries(cast, django_assert_num_queries):
    application = application_in(S.SUBMITTED, cast)
    secretariat = fresh(cast.secretariat)
    # savepoint, lock, groups, the assignments counted (guard), log insert, update, outbox, release.
    with django_assert_num_queries(8):
        services.application_start_review(application=application, actor=secretariat)


def test_review_submit_queries(cast, django_assert_num_queries):
    application = application_in(S.SUBMITTED, cast)
    application = services.application_start_review(application=application, actor=cast.secretariat)
    first, last = fresh(cast.reviewers[0]), fresh(cast.reviewers[1])
    with django_assert_num_queries(9):
        services.review_submit(
            application=application, reviewer=first, recommendation="admit", comment="Yes."
        )
    # The last review also tells the secretariat that all are in.
    with django_assert_num_queries(13):
        services.review_submit(application=application, reviewer=last, recommendation="admit", comment="Yes.")


def test_complete_review_queries(cast, django_assert_num_queries):
    application = application_in(S.UNDER_REVIEW, cast)
    secretariat = fresh(cast.secretariat)
    # The guard reads the assignments, the reviews and the applicant's latest answer (none here).
    with django_assert_num_queries(10):
        services.application_complete_review(application=application, actor=secretariat)


def test_review_revise_queries(cast, django_assert_num_queries):
    application = application_in(S.UNDER_REVIEW, cast)
    reviewer = fresh(cast.reviewers[0])
    # savepoint, lock, the author's review (rules), the review locked, the latest answer (was it
    # current?), update, release.
    with django_assert_num_queries(7):
        services.review_revise(
            application=application, reviewer=reviewer, recommendation="reject", comment="No."
        )


def test_review_confirm_queries(cast, django_assert_num_queries):
    application = application_in(S.UNDER_REVIEW, cast)
    services.application_request_info(application=application, actor=cast.secretariat, comment="Statutes?")
    services.application_resubmit(application=reload(application), actor=cast.applicant)
    application = services.application_start_review(application=reload(application), actor=cast.secretariat)
    first, last = fresh(cast.reviewers[0]), fresh(cast.reviewers[1])
    # savepoint, lock, the author's review and the latest answer (rules), the review locked,
    # update; then whether every review is in (2) and current (latest answer, reviews), release.
    with django_assert_num_queries(11):
        services.review_confirm(application=application, reviewer=first)
    # The last one also tells the secretariat: the answer's time again, the secretariat, the outbox.
    with django_assert_num_queries(15):
        services.review_confirm(application=application, reviewer=last)


def _vote_open_queries(cast, committee_size, django_assert_num_queries, expected):
    for _ in range(committee_size - len(cast.committee)):
        cast.committee.append(committee_member())
    application = application_in(S.REVIEWED, cast)
    secretariat = fresh(cast.secretariat)
    with django_assert_num_queries(expected):
        services.vote_open(application=application, actor=secretariat)
    return application


@pytest.mark.parametrize("committee_size", [3, 12])
def test_vote_open_queries_do_not_grow_with_the_committee(cast, committee_size, django_assert_num_queries):
    # Voters are one insert and the outbox one event (the voters and the applicant), whatever the
    # committee's size. The guards (no open round, no unresolved likely duplicate in the registry)
    # run once. One query reads the members already from the applicant's country, recorded with
    # the round.
    _vote_open_queries(cast, committee_size, django_assert_num_queries, 15)


@pytest.mark.parametrize("committee_size", [3, 12])
def test_vote_cast_queries_do_not_grow_with_the_ballots(cast, committee_size, django_assert_num_queries):
    cast.committee.extend(committee_member() for _ in range(committee_size - 3))
    application = application_in(S.EXECUTIVE_VOTE, cast)
    for member in cast.committee[: committee_size - 2]:
        services.vote_cast(application=application, member=member, choice="yes")
    second_last, last = fresh(cast.committee[-2]), fresh(cast.committee[-1])
    # savepoint, lock, round, voter, voter's groups, ballot (3, savepoint), tally, release.
    with django_assert_num_queries(9):
        services.vote_cast(application=application, member=second_last, choice="no")
    # The last one closes the round and admits: the same 9, the tally again (``_close_round``
    # recounts), log insert, state update, round update, the admission's savepoint, the slugs
    # known, organization insert in its own savepoint (3) + its history row, the active membership
    # (none) and its insert + its history row, the union's time, application update, the applicant
    # as first representative (savepoint, lock the union's representatives, insert, release), the
    # dues schedule's rate (none here: no invoice), the change feed (savepoint, lock its counter,
    # the directory entry, the last one published, event insert, counter update, release), the
    # admission's release, outbox (2 recipient reads: committee, secretariat; insert), release.
    with django_assert_num_queries(40):
        services.vote_cast(application=application, member=last, choice="yes")
    assert reload(application).state == S.ADMITTED


def test_vote_recuse_queries(cast, django_assert_num_queries):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    member = fresh(cast.committee[0])
    with django_assert_num_queries(7):
        services.vote_recuse(application=application, member=member, reason="My own union.")


def test_vote_close_queries(cast, django_assert_num_queries):
    application = application_in(S.EXECUTIVE_VOTE, cast)
    secretariat = fresh(cast.secretariat)
    with django_assert_num_queries(11):
        services.vote_close(application=application, actor=secretariat)


def test_close_due_vote_rounds_queries_per_round(cast, django_assert_num_queries):
    """Each due round closes in its own transaction: one query to find them, then a fixed
    number per round."""
    from django.utils import timezone

    applications = [application_in(S.EXECUTIVE_VOTE, cast) for _ in range(2)]
    VoteRound.objects.update(deadline=timezone.now())
    # 1 to find the due rounds, then 10 per round (its own transaction: lock, open round, tally,
    # log insert, state update, round update, the secretariat, outbox insert, savepoint, release).
    with django_assert_num_queries(21):
        services.close_due_vote_rounds()
    assert {reload(a).state for a in applications} == {S.REVIEWED}
