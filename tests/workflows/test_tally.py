"""The tally against a plain reference written here in integer arithmetic (cross-multiplied,
no fractions), on random electorates and ballots, and on the edge cases by hand."""

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.rules import BASES, MAJORITIES, Tally, VoteRules, vote_outcome

# majority: (numerator, denominator, strictly greater)
REFERENCE_MAJORITIES = {"simple": (1, 2, True), "two_thirds": (2, 3, False), "three_quarters": (3, 4, False)}
QUORUMS = [(0, 1), (1, 3), (1, 2), (2, 3), (3, 4)]  # ballots cast > q * eligible


def reference_outcome(
    *, eligible: int, yes: int, no: int, abstain: int, quorum: tuple[int, int], majority: str, base: str
) -> str:
    cast = yes + no + abstain
    q_num, q_den = quorum
    # cast / eligible > q_num / q_den  ⇔  cast * q_den > q_num * eligible (eligible > 0)
    if eligible == 0 or not cast * q_den > q_num * eligible:
        return "no_quorum"
    denominator = {"yes_no": yes + no, "yes_no_abstain": cast, "eligible": eligible}[base]
    if denominator == 0:
        return "failed"
    m_num, m_den, strict = REFERENCE_MAJORITIES[majority]
    # yes / denominator against m_num / m_den
    left, right = yes * m_den, m_num * denominator
    passed = left > right if strict else left >= right
    return "passed" if passed else "failed"


def outcome(eligible, yes, no, abstain, *, quorum=(1, 2), majority="simple", base="yes_no") -> str:
    rules = VoteRules(quorum=Fraction(*quorum), majority=majority, base=base)
    return vote_outcome(Tally(eligible=eligible, yes=yes, no=no, abstain=abstain), rules)


def test_the_reference_covers_every_majority_and_base():
    assert set(REFERENCE_MAJORITIES) == set(MAJORITIES)
    assert set(BASES) == {"yes_no", "yes_no_abstain", "eligible"}


@st.composite
def electorates(draw):
    """An electorate of 0 to 60 members and the ballots of some of them."""
    eligible = draw(st.integers(min_value=0, max_value=60))
    yes = draw(st.integers(min_value=0, max_value=eligible))
    no = draw(st.integers(min_value=0, max_value=eligible - yes))
    abstain = draw(st.integers(min_value=0, max_value=eligible - yes - no))
    return eligible, yes, no, abstain


@settings(max_examples=1000, deadline=None)
@given(electorate=electorates())
def test_the_tally_matches_the_reference_for_every_rule(electorate):
    """Each random electorate is tallied under every majority, base and quorum."""
    eligible, yes, no, abstain = electorate
    for majority, base, quorum in itertools.product(MAJORITIES, BASES, QUORUMS):
        expected = reference_outcome(
            eligible=eligible, yes=yes, no=no, abstain=abstain, quorum=quorum, majority=majority, base=base
        )
        actual = outcome(eligible, yes, no, abstain, quorum=quorum, majority=majority, base=base)
        assert actual == expected, (majority, base, quorum)


@pytest.mark.parametrize(
    ("tally", "kwargs", "expected"),
    [
        # Quorum: more than half of the eligible members must vote.
        ((10, 3, 2, 0), {}, "no_quorum"),  # exactly half voted
        ((10, 4, 2, 0), {}, "passed"),  # six of ten
        ((9, 4, 1, 0), {}, "passed"),  # five of nine
        ((0, 0, 0, 0), {}, "no_quorum"),  # nobody eligible
        ((0, 0, 0, 0), {"quorum": (0, 1)}, "no_quorum"),  # nobody eligible, even with no quorum
        ((5, 0, 0, 0), {"quorum": (0, 1)}, "no_quorum"),  # no ballot is not more than 0
        ((4, 0, 0, 3), {}, "failed"),  # everybody who voted abstained: no yes
        ((3, 0, 0, 3), {"base": "yes_no_abstain"}, "failed"),
        ((3, 0, 0, 3), {"base": "eligible"}, "failed"),
        # Simple majority: strictly more than half of yes + no; abstentions do not count.
        ((10, 3, 3, 4), {}, "failed"),  # exactly half
        ((10, 4, 3, 3), {}, "passed"),
        ((10, 1, 0, 9), {}, "passed"),  # one yes, nine abstain
        ((10, 1, 0, 9), {"base": "yes_no_abstain"}, "failed"),
        # Two-thirds: at least 2/3.
        ((9, 6, 3, 0), {"majority": "two_thirds"}, "passed"),  # exactly 2/3
        ((9, 5, 3, 0), {"majority": "two_thirds"}, "failed"),  # 5/8 < 2/3
        ((12, 6, 3, 3), {"majority": "two_thirds", "base": "yes_no_abstain"}, "failed"),  # 6/12
        ((12, 8, 1, 3), {"majority": "two_thirds", "base": "yes_no_abstain"}, "passed"),  # 8/12
        ((12, 8, 0, 0), {"majority": "two_thirds", "base": "eligible"}, "passed"),  # 8/12
        ((12, 7, 0, 2), {"majority": "two_thirds", "base": "eligible"}, "failed"),  # 7/12
        # Three-quarters: at least 3/4.
        ((8, 6, 2, 0), {"majority": "three_quarters"}, "passed"),  # exactly 3/4
        ((8, 5, 2, 1), {"majority": "three_quarters"}, "failed"),  # 5/7
        ((8, 6, 0, 0), {"majority": "three_quarters", "base": "eligible"}, "passed"),
        ((8, 5, 0, 3), {"majority": "three_quarters", "base": "eligible"}, "failed"),
        # Unanimity of a tiny committee.
        ((1, 1, 0, 0), {"majority": "three_quarters", "base": "eligible"}, "passed"),
        ((1, 0, 1, 0), {}, "failed"),
    ],
)
def test_tally_edge_cases(tally, kwargs, expected):
    assert outcome(*tally, **kwargs) == expected
    eligible, yes, no, abstain = tally
    reference_kwargs = {"quorum": (1, 2), "majority": "simple", "base": "yes_no", **kwargs}
    assert (
        reference_outcome(eligible=eligible, yes=yes, no=no, abstain=abstain, **reference_kwargs) == expected
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"majority": "unanimous"}, {"base": "present"}, {"quorum": Fraction(1)}, {"quorum": Fraction(-1, 2)}],
)
def test_unknown_vote_rules_are_refused(kwargs):
    with pytest.raises(ValueError):  # noqa: PT011 — the message is for the operator
        VoteRules(**kwargs)


def test_vote_rules_survive_the_round_trip_through_json():
    rules = VoteRules(quorum=Fraction(2, 3), majority="three_quarters", base="eligible")
    assert rules.to_json() == {"quorum": "2/3", "majority": "three_quarters", "base": "eligible"}
    assert VoteRules.from_json(rules.to_json()) == rules


# --- the engine's tally in every mode, against the same reference --------------------------------------


@st.composite
def rooms(draw):
    """Members present (1 to 7), how many of them recuse, and the ballots of some of the rest."""
    present = draw(st.integers(min_value=1, max_value=7))
    recused = draw(st.integers(min_value=0, max_value=present))
    eligible = present - recused
    yes = draw(st.integers(min_value=0, max_value=eligible))
    no = draw(st.integers(min_value=0, max_value=eligible - yes))
    abstain = draw(st.integers(min_value=0, max_value=eligible - yes - no))
    return present, recused, yes, no, abstain


@pytest.fixture
def seven_members(db):
    from tests.factories import MembershipFactory, committee_member, secretariat_user
    from workflows.models import Motion, MotionKind

    secretariat = secretariat_user()
    motion = Motion.objects.create(
        membership=MembershipFactory(), kind=MotionKind.SUSPEND, proposed_by=secretariat
    )
    return secretariat, motion, [committee_member() for _ in range(7)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(room=rooms())
def test_online_named_and_counted_rounds_tally_and_decide_as_the_reference(seven_members, room):
    """The same votes of the same members present, cast online, named in the room or counted there:
    one tally (``votes.round_tally``), and the reference's outcome under every rule."""
    from django.utils import timezone

    from workflows import votes
    from workflows.models import VoteMode

    secretariat, motion, members = seven_members
    present, recused, yes, no, abstain = room
    electorate = members[:present]
    voting = electorate[recused:]
    choices = dict(zip(voting, ["yes"] * yes + ["no"] * no + ["abstain"] * abstain, strict=False))
    now = timezone.now()
    tallies = {}
    for mode in VoteMode.values:
        vote_round = votes.round_open(
            subject={"motion": motion},
            actor=secretariat,
            deadline=now,
            vote_rules=VoteRules(),
            conflicts={},
            at=now,
            category="full",
            mode=mode,
            electorate=electorate,
        )
        for member in electorate[:recused]:
            votes.voter_recuse(vote_round, member, "")
        if mode == VoteMode.ONLINE:
            for member, choice in choices.items():
                votes.ballot_cast(vote_round, member, choice)
        elif mode == VoteMode.NAMED and choices:
            votes.named_ballots_record(vote_round, choices, secretariat)
        elif mode == VoteMode.COUNTED:
            votes.counted_totals_enter(
                vote_round, yes=yes, no=no, abstain=abstain, recorded_by=secretariat, at=now
            )
        tallies[mode] = votes.round_tally(vote_round)
        result = votes.round_result(vote_round, actor=secretariat)
        assert result.tally == tallies[mode]
        assert result.outcome == reference_outcome(
            eligible=present - recused,
            yes=yes,
            no=no,
            abstain=abstain,
            quorum=(1, 2),
            majority="simple",
            base="yes_no",
        )
        votes.rounds_void({"motion": motion}, at=now)

    assert tallies[VoteMode.ONLINE] == Tally(eligible=present - recused, yes=yes, no=no, abstain=abstain)
    assert tallies[VoteMode.NAMED] == tallies[VoteMode.COUNTED] == tallies[VoteMode.ONLINE]
    for majority, base, quorum in itertools.product(MAJORITIES, BASES, QUORUMS):
        rules = VoteRules(quorum=Fraction(*quorum), majority=majority, base=base)
        expected = reference_outcome(
            eligible=present - recused,
            yes=yes,
            no=no,
            abstain=abstain,
            quorum=quorum,
            majority=majority,
            base=base,
        )
        assert {vote_outcome(tally, rules) for tally in tallies.values()} == {expected}, (
            majority,
            base,
            quorum,
        )
