import datetime

import pytest
from django.db import IntegrityError, transaction

from registry.models import EndReason, Membership, MembershipState
from tests.factories import MembershipFactory, OrganizationFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _rejected(factory, **kwargs) -> bool:
    try:
        with transaction.atomic():
            factory(**kwargs)
    except IntegrityError:
        return True
    return False


def test_an_organization_has_at_most_one_active_membership():
    membership = MembershipFactory()
    assert _rejected(MembershipFactory, organization=membership.organization)
    assert Membership.objects.filter(organization=membership.organization).count() == 1


def test_a_former_membership_does_not_block_a_new_active_one():
    old = MembershipFactory(
        state=MembershipState.ENDED, end_reason=EndReason.WITHDRAWN, ended_on=datetime.date(2022, 1, 1)
    )
    MembershipFactory(organization=old.organization)
    assert old.organization.memberships.count() == 2


@pytest.mark.parametrize("year", [1799, 2101])
def test_founding_year_out_of_range_is_rejected(year):
    assert _rejected(OrganizationFactory, founded_year=year)


def test_founding_year_in_range_is_accepted():
    assert not _rejected(OrganizationFactory, founded_year=1918)


def test_negative_students_represented_is_rejected():
    assert _rejected(OrganizationFactory, students_represented=-1)


def test_membership_cannot_end_before_admission():
    assert _rejected(
        MembershipFactory,
        state=MembershipState.ENDED,
        end_reason=EndReason.EXPELLED,
        admitted_on=datetime.date(2020, 1, 1),
        ended_on=datetime.date(2019, 1, 1),
    )


@pytest.mark.parametrize(
    ("state", "ended_on", "end_reason"),
    [
        (MembershipState.ACTIVE, datetime.date(2030, 1, 1), ""),
        (MembershipState.SUSPENDED, None, EndReason.LAPSED),
        (MembershipState.ENDED, None, EndReason.WITHDRAWN),
        (MembershipState.ENDED, datetime.date(2030, 1, 1), ""),
    ],
)
def test_only_an_ended_membership_has_an_end_date_and_reason_and_it_has_both(state, ended_on, end_reason):
    assert _rejected(MembershipFactory, state=state, ended_on=ended_on, end_reason=end_reason)


def test_an_ended_membership_with_date_and_reason_is_accepted():
    assert not _rejected(
        MembershipFactory,
        state=MembershipState.ENDED,
        ended_on=datetime.date(2030, 1, 1),
        end_reason=EndReason.DISSOLVED,
    )


@pytest.mark.parametrize(("field", "value"), [("state", "withdrawn"), ("end_reason", "bored")])
def test_unknown_state_or_end_reason_is_rejected(field, value):
    assert _rejected(MembershipFactory, **{field: value})


def test_organization_slug_is_unique():
    OrganizationFactory(slug="nus-uk")
    assert _rejected(OrganizationFactory, slug="nus-uk")


def test_a_region_cannot_be_its_own_parent():
    region = RegionFactory()
    region.parent_id = region.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        region.save()


def test_a_membership_change_marks_its_organization_updated():
    membership = MembershipFactory()
    before = membership.organization.updated_at

    membership.state = MembershipState.SUSPENDED
    membership.save()

    membership.organization.refresh_from_db()
    assert membership.organization.updated_at > before
