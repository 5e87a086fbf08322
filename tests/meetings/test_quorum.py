"""The quorum of a meeting: more than MEETING_QUORUM of the committee present, in exact fractions."""

import datetime
from fractions import Fraction

import pytest

from meetings import rules, selectors, services
from meetings.models import AttendanceStatus
from tests.factories import committee_member

from .helpers import convened_meeting

A = AttendanceStatus


@pytest.mark.parametrize(
    ("present", "committee", "fraction", "needed", "met"),
    [
        (4, 8, Fraction(1, 2), 5, False),  # half is not more than half
        (5, 8, Fraction(1, 2), 5, True),
        (2, 3, Fraction(1, 2), 2, True),
        (1, 3, Fraction(1, 2), 2, False),
        (6, 9, Fraction(2, 3), 7, False),  # two thirds exactly is not more than two thirds
        (7, 9, Fraction(2, 3), 7, True),
        (1, 5, Fraction(0), 1, True),
        (0, 5, Fraction(0), 1, False),
        (0, 0, Fraction(1, 2), 1, False),  # no committee: no quorum
    ],
)
def test_quorum_arithmetic_is_exact_at_the_boundary(present, committee, fraction, needed, met):
    quorum = rules.quorum(present, committee, fraction)

    assert (quorum.needed, quorum.met) == (needed, met)
    assert quorum.met == (committee > 0 and present >= quorum.needed)  # the whole numbers agree


@pytest.mark.django_db
def test_a_meeting_of_a_committee_of_eight_is_quorate_with_five_present_in_person_or_online(cast, settings):
    settings.MEETING_QUORUM = "1/2"
    members = cast.committee + [committee_member() for _ in range(5)]
    starts = datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC)
    meeting = convened_meeting(cast, starts)

    def record(member, status):
        services.attendance_record(meeting=meeting, member=member, status=status, actor=cast.secretariat)

    for member in members[:2]:
        record(member, A.PRESENT_IN_PERSON)
    for member in members[2:4]:
        record(member, A.PRESENT_ONLINE)
    record(members[4], A.EXCUSED)
    record(members[5], A.ABSENT)
    assert selectors.meeting_quorum(meeting) == rules.Quorum(present=4, committee=8, needed=5, met=False)

    record(members[4], A.PRESENT_ONLINE)

    assert selectors.meeting_quorum(meeting) == rules.Quorum(present=5, committee=8, needed=5, met=True)


@pytest.mark.django_db
def test_the_quorum_follows_the_setting(cast, settings):
    settings.MEETING_QUORUM = "2/3"
    meeting = convened_meeting(cast, datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC))
    for member in cast.committee[:2]:
        services.attendance_record(
            meeting=meeting, member=member, status=A.PRESENT_IN_PERSON, actor=cast.secretariat
        )

    assert selectors.meeting_quorum(meeting) == rules.Quorum(present=2, committee=3, needed=3, met=False)
