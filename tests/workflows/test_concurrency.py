"""Real concurrency on PostgreSQL: threads, each with its own database connection, started
together by a barrier. Row locks and constraints must leave exactly one winner and a
consistent tally.

A thread holds a pooled connection only while it works (it closes it before waiting at the
barrier), so the 10-connection pool never deadlocks against the barrier.
"""

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django_fsm_log.models import StateLog

from registry.models import Organization
from tests.cast import application_in, reload
from tests.factories import committee_member
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState, Ballot, MembershipApplication, VoteOutcome, VoteRound

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = ApplicationState
User = get_user_model()


def run_together(jobs, *, load=None) -> list:
    """Run each job in its own thread, all released at once; return each one's result or error.

    ``load`` (if given) runs in the thread before the barrier, e.g. to read its own copy of
    the application; its result is passed to the job.
    """
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            loaded = load() if load else None
            connection.close()  # back to the pool while waiting for the others
            barrier.wait(timeout=30)
            results[index] = job(loaded) if load else job()
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _codes(results) -> Counter:
    return Counter(r.code if isinstance(r, WorkflowError) else type(r).__name__ for r in results)


@pytest.mark.parametrize(
    ("state", "service", "target"),
    [
        (S.SUBMITTED, services.application_start_review, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, services.application_complete_review, S.REVIEWED),
    ],
)
def test_twenty_simultaneous_transitions_have_exactly_one_winner(cast, state, service, target):
    application = application_in(state, cast)
    logs_before = StateLog.objects.for_(application).count()
    secretariat = cast.secretariat

    results = run_together(
        [lambda copy: service(application=copy, actor=secretariat)] * 20,
        load=lambda: MembershipApplication.objects.get(pk=application.pk),
    )

    winners = [r for r in results if isinstance(r, MembershipApplication)]
    losers = [r for r in results if isinstance(r, WorkflowError)]
    assert len(winners) == 1, _codes(results)
    assert len(losers) == 19, _codes(results)
    assert {e.code for e in losers} <= {ErrorCode.CONFLICT, ErrorCode.NOT_ALLOWED}
    assert reload(application).state == target
    new_logs = StateLog.objects.for_(application).order_by("pk")[logs_before:]
    assert [(log.source_state, log.state) for log in new_logs] == [(state, target)]


def test_ten_members_sending_five_ballots_each_are_counted_once(cast):
    # Twelve members, ten vote: the round stays open, so the tally is the live one.
    cast.committee.extend(committee_member() for _ in range(9))
    application = application_in(S.EXECUTIVE_VOTE, cast)
    voters = cast.committee[:10]
    choices = ["yes", "no", "abstain", "yes", "yes"]
    jobs = [
        (
            lambda copy, member=member, choice=choice: services.vote_cast(
                application=copy, member=member, choice=choice
            )
        )
        for member in voters
        for choice in choices
    ]

    results = run_together(jobs, load=lambda: MembershipApplication.objects.get(pk=application.pk))

    ballots = [r for r in results if isinstance(r, Ballot)]
    refused = [r for r in results if isinstance(r, WorkflowError)]
    assert len(ballots) == 10, _codes(results)
    assert {e.code for e in refused} == {ErrorCode.CONFLICT}
    assert len(refused) == 40
    vote_round = VoteRound.objects.get(application=application)
    stored = list(Ballot.objects.filter(round=vote_round).values_list("voter__user_id", "choice"))
    assert sorted(user for user, _ in stored) == sorted(member.pk for member in voters)
    assert sorted(stored) == sorted((b.voter.user_id, b.choice) for b in ballots)
    tally = services.round_tally(vote_round)
    counted = Counter(choice for _, choice in stored)
    assert (tally.eligible, tally.yes, tally.no, tally.abstain) == (
        12,
        counted["yes"],
        counted["no"],
        counted["abstain"],
    )
    assert vote_round.is_open
    assert reload(application).state == S.EXECUTIVE_VOTE


def test_closing_by_hand_and_the_last_ballot_at_once_give_one_consistent_outcome(cast):
    """Two of three have voted (yes, no). The secretariat closes while the third votes yes.
    Either the ballot comes first (3 ballots, 2 yes of 3: admitted) or the closing does
    (2 ballots, 1 yes of 2: not a majority, rejected). Never both, never neither. Four races,
    in one test (each transactional test ends with a slow flush)."""
    first, second, last = cast.committee
    secretariat = cast.secretariat
    winners = Counter()
    for _ in range(4):
        application = application_in(S.EXECUTIVE_VOTE, cast)
        services.vote_cast(application=application, member=first, choice="yes")
        services.vote_cast(application=application, member=second, choice="no")

        closed, ballot = run_together(
            [
                lambda copy: services.vote_close(
                    application=copy, actor=secretariat, comment="Meeting over."
                ),
                lambda copy: services.vote_cast(application=copy, member=last, choice="yes"),
            ],
            load=lambda pk=application.pk: MembershipApplication.objects.get(pk=pk),
        )

        assert isinstance(closed, WorkflowError) != isinstance(ballot, WorkflowError), (closed, ballot)
        vote_round = VoteRound.objects.get(application=application)
        assert vote_round.closed_at is not None
        application = reload(application)
        closes = StateLog.objects.for_(application).filter(transition="close_vote")
        assert closes.count() == 1
        ballots = Ballot.objects.filter(round=vote_round).count()
        assert ballots == vote_round.yes_count + vote_round.no_count + vote_round.abstain_count
        expected_state = {VoteOutcome.PASSED: S.ADMITTED, VoteOutcome.FAILED: S.REJECTED}[vote_round.outcome]
        assert application.state == expected_state
        if isinstance(ballot, Ballot):  # the ballot won; the round closed itself, by nobody
            winners["ballot"] += 1
            assert closed.code == ErrorCode.CONFLICT
            assert (ballots, vote_round.outcome, vote_round.closed_by) == (3, VoteOutcome.PASSED, None)
            assert application.membership is not None
        else:  # the closing won
            winners["close"] += 1
            assert ballot.code == ErrorCode.NOT_ALLOWED
            assert (ballots, vote_round.outcome, vote_round.closed_by) == (2, VoteOutcome.FAILED, secretariat)
            assert closes.get().description == "Meeting over."
            assert application.membership is None
    assert sum(winners.values()) == 4


def test_ten_admissions_at_once_with_the_same_acronym_and_country_get_ten_slugs(cast):
    """Ten applications with the same acronym and country (different names) close their votes at
    once: each admission finds its slug by the unique constraint (``nus-ke``, ``nus-ke-2`` …),
    so every round closes, none fails, and the ten organizations have ten slugs."""
    applications = [
        application_in(S.EXECUTIVE_VOTE, cast, name=f"National Union of Students {i}", acronym="NUS")
        for i in range(10)
    ]
    for application in applications:
        for member in cast.committee[:2]:
            services.vote_cast(application=application, member=member, choice="yes")
    secretariat = cast.secretariat

    results = run_together(
        [
            lambda application=application: services.vote_close(application=application, actor=secretariat)
            for application in applications
        ]
    )

    assert all(isinstance(result, VoteRound) for result in results), _codes(results)
    assert all(reload(application).state == S.ADMITTED for application in applications)
    assert not VoteRound.objects.filter(closed_at__isnull=True).exists()
    slugs = sorted(Organization.objects.values_list("slug", flat=True))
    assert len(slugs) == 10
    assert set(slugs) == {"nus-ke", *(f"nus-ke-{n}" for n in range(2, 11))}
    assert sorted(reload(application).organization.slug for application in applications) == slugs


def test_an_action_s_lock_reads_the_applicant_but_leaves_their_account_free(cast):
    """The lock reads the applicant with the application (their e-mails need them) and locks the
    application's row only: their account can change meanwhile (a login, a new name)."""
    application = application_in(S.SUBMITTED, cast)
    other: dict = {}

    def change_the_account():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                other["updated"] = User.objects.filter(pk=cast.applicant.pk).update(first_name="Changed")
        except Exception as exc:  # the test inspects it
            other["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        locked = services._lock(application)
        assert locked.applicant == cast.applicant
        thread = threading.Thread(target=change_the_account)
        thread.start()
        thread.join(timeout=30)

    assert other == {"updated": 1}
