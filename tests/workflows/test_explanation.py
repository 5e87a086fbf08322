"""A round explains itself: its rules in words (``describe_rules``), and how a tally gives its
outcome (``explain_outcome``), whose verdict must always be ``vote_outcome``'s."""

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.workflows.test_tally import QUORUMS, electorates, reference_outcome
from workflows.rules import (
    BASES,
    MAJORITIES,
    Tally,
    VoteRules,
    describe_rules,
    explain_outcome,
    vote_outcome,
)

RULES = [
    VoteRules(quorum=Fraction(*quorum), majority=majority, base=base)
    for quorum, majority, base in itertools.product(QUORUMS, MAJORITIES, BASES)
]


def lines(eligible, yes, no, abstain, **rules) -> list[str]:
    return list(explain_outcome(Tally(eligible, yes, no, abstain), VoteRules(**rules)).lines)


def test_every_small_tally_is_explained_with_vote_outcome_s_verdict():
    """Every electorate up to 7 and every ballot split, under every rule: the same outcome (larger
    electorates: the random tallies below)."""
    for rules in RULES:
        for eligible in range(8):
            for yes, no in itertools.product(range(eligible + 1), repeat=2):
                for abstain in range(eligible - yes - no + 1):
                    tally = Tally(eligible, yes, no, abstain)
                    explanation = explain_outcome(tally, rules)
                    assert explanation.outcome == vote_outcome(tally, rules), (tally, rules)
                    assert explanation.lines[-1].startswith("Outcome: ")


@settings(max_examples=300, deadline=None)
@given(electorate=electorates(), rules=st.sampled_from(RULES))
def test_large_tallies_are_explained_with_the_reference_s_verdict(electorate, rules):
    eligible, yes, no, abstain = electorate
    explanation = explain_outcome(Tally(eligible, yes, no, abstain), rules)
    expected = reference_outcome(
        eligible=eligible,
        yes=yes,
        no=no,
        abstain=abstain,
        quorum=(rules.quorum.numerator, rules.quorum.denominator),
        majority=rules.majority,
        base=rules.base,
    )
    assert explanation.outcome == expected


def test_the_numbers_needed_are_the_least_that_reach_the_threshold():
    rules = VoteRules(quorum=Fraction(1, 2), majority="two_thirds", base="yes_no_abstain")
    explanation = explain_outcome(Tally(eligible=10, yes=4, no=1, abstain=1), rules)

    assert explanation.quorum_needed == 6  # more than 5
    assert explanation.majority_base == 6
    assert explanation.yes_needed == 4  # 4/6 = 2/3 exactly: at least two thirds
    assert explanation.outcome == "passed"


def test_the_simple_majority_of_yes_and_no_leaves_abstentions_out():
    assert lines(5, 3, 0, 1) == [
        "4 of 5 eligible voted — quorum reached (more than half: at least 3).",
        "3 yes of 3 (yes + no) — simple majority reached (more than half: at least 2 yes).",
        "Outcome: passed → admitted.",
    ]


def test_exactly_half_is_not_a_quorum():
    assert lines(10, 3, 2, 0) == [
        "5 of 10 eligible voted — no quorum (more than half: at least 6).",
        "Outcome: no quorum → the round is void; the application goes back to “Reviewed”.",
    ]


def test_exactly_half_yes_is_not_a_simple_majority():
    assert lines(10, 3, 3, 4)[1] == (
        "3 yes of 6 (yes + no) — simple majority not reached (more than half: at least 4 yes)."
    )
    assert lines(10, 3, 3, 4)[2] == "Outcome: failed → rejected."


def test_exactly_two_thirds_is_a_two_thirds_majority():
    assert lines(9, 6, 3, 0, majority="two_thirds")[1] == (
        "6 yes of 9 (yes + no) — two-thirds majority reached (at least two thirds: at least 6 yes)."
    )


def test_three_quarters_of_the_votes_cast_count_abstentions_like_no():
    assert lines(8, 5, 1, 2, majority="three_quarters", base="yes_no_abstain")[1:] == [
        "5 yes of 8 (yes + no + abstain) — three-quarters majority not reached "
        "(at least three quarters: at least 6 yes).",
        "Outcome: failed → rejected.",
    ]


def test_a_majority_of_the_eligible_counts_those_who_did_not_vote_like_no():
    assert lines(12, 7, 0, 2, majority="two_thirds", base="eligible")[1] == (
        "7 yes of 12 (eligible members) — two-thirds majority not reached "
        "(at least two thirds: at least 8 yes)."
    )


def test_everyone_abstaining_gives_no_majority_of_yes_and_no():
    assert lines(4, 0, 0, 3)[1:] == [
        "0 yes of 0 (yes + no): nobody voted yes or no — simple majority not reached.",
        "Outcome: failed → rejected.",
    ]


def test_a_round_everyone_recused_from_has_no_quorum():
    assert lines(0, 0, 0, 0)[0] == "Nobody was eligible to vote (every member recused) — no quorum."
    assert explain_outcome(Tally(0, 0, 0, 0), VoteRules(quorum=Fraction(0))).outcome == "no_quorum"


def test_without_a_quorum_rule_one_ballot_is_enough():
    assert lines(5, 1, 0, 0, quorum=Fraction(0))[0] == "1 of 5 eligible voted — quorum reached (at least 1)."
    assert lines(5, 0, 0, 0, quorum=Fraction(0))[0] == "0 of 5 eligible voted — no quorum (at least 1)."


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            VoteRules(),
            [
                "Quorum: more than half of the eligible members must vote (yes, no or abstain).",
                "Majority: more than half of the yes and no votes must be yes (simple majority). "
                "Abstentions do not count.",
                "A member who recuses is not eligible in the round.",
            ],
        ),
        (
            VoteRules(quorum=Fraction(2, 3), majority="three_quarters", base="yes_no_abstain"),
            [
                "Quorum: more than two thirds of the eligible members must vote (yes, no or abstain).",
                "Majority: at least three quarters of all votes cast (yes, no and abstain) must be yes "
                "(three-quarters majority). Abstentions count like no.",
                "A member who recuses is not eligible in the round.",
            ],
        ),
        (
            VoteRules(quorum=Fraction(0), majority="two_thirds", base="eligible"),
            [
                "Quorum: at least one eligible member must vote (yes, no or abstain).",
                "Majority: at least two thirds of all eligible members must vote yes (two-thirds majority). "
                "Abstaining or not voting counts like no.",
                "A member who recuses is not eligible in the round.",
            ],
        ),
        (
            VoteRules(quorum=Fraction(2, 5)),
            [
                "Quorum: more than 2/5 of the eligible members must vote (yes, no or abstain).",
                "Majority: more than half of the yes and no votes must be yes (simple majority). "
                "Abstentions do not count.",
                "A member who recuses is not eligible in the round.",
            ],
        ),
    ],
)
def test_the_rules_in_words(rules, expected):
    assert describe_rules(rules) == expected
