"""The dated suspensions follow the membership's state as the secretariat types it in the admin."""

import datetime

import pytest

from registry.models import EndReason, MembershipState
from registry.services import membership_suspensions_sync
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def test_suspending_opens_a_dated_suspension_and_reinstating_closes_it():
    membership = MembershipFactory(admitted_on=D(2020, 1, 1))
    membership.state = MembershipState.SUSPENDED
    membership.save()
    membership_suspensions_sync(membership=membership, on=D(2024, 2, 1))
    membership_suspensions_sync(membership=membership, on=D(2024, 2, 5))  # still suspended: no second one

    membership.state = MembershipState.ACTIVE
    membership.save()
    membership_suspensions_sync(membership=membership, on=D(2024, 3, 1))

    assert list(membership.suspensions.values_list("starts_on", "ends_on")) == [
        (D(2024, 2, 1), D(2024, 3, 1))
    ]


def test_a_suspension_lifted_the_day_it_began_never_counted():
    membership = MembershipFactory(state=MembershipState.SUSPENDED)
    membership_suspensions_sync(membership=membership, on=D(2024, 2, 1))
    membership.state = MembershipState.ACTIVE
    membership_suspensions_sync(membership=membership, on=D(2024, 2, 1))

    assert not membership.suspensions.exists()


def test_ending_a_suspended_membership_closes_its_suspension_on_the_end_date():
    membership = MembershipFactory(state=MembershipState.SUSPENDED)
    membership_suspensions_sync(membership=membership, on=D(2024, 2, 1))
    membership.state, membership.ended_on, membership.end_reason = (
        MembershipState.ENDED,
        D(2024, 6, 30),
        EndReason.EXPELLED,
    )
    membership.save()
    membership_suspensions_sync(membership=membership, on=D(2024, 7, 15))

    assert list(membership.suspensions.values_list("starts_on", "ends_on")) == [
        (D(2024, 2, 1), D(2024, 6, 30))
    ]
