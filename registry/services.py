"""Changes to the registry's own rows that need no rule of who may act: the system makes them.

Actions that a person takes (and that are checked against ``workflows.rules``) live in
``workflows.membership``; they call these where the registry's rows must follow.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import Membership, MembershipState, MembershipSuspension, Organization, Representative


@transaction.atomic
def membership_suspensions_sync(*, membership: Membership, on: datetime.date | None = None) -> None:
    """Make the dated suspensions agree with the membership's present state (as the admin typed it).

    Suspended without an open suspension: open one from ``on`` (today). Not suspended with an open
    one: close it on ``on`` (an ended membership: on its end date); a suspension closed the day it
    opened never counted, so it is deleted.
    """
    on = on or timezone.now().date()
    opened = membership.suspensions.select_for_update().filter(ends_on__isnull=True).first()
    if membership.state == MembershipState.SUSPENDED:
        if opened is None:
            MembershipSuspension.objects.create(membership=membership, starts_on=on)
        return
    if opened is None:
        return
    ends_on = membership.ended_on if membership.state == MembershipState.ENDED and membership.ended_on else on
    if ends_on <= opened.starts_on:
        opened.delete()
    else:
        opened.ends_on = ends_on
        opened.save(update_fields=["ends_on"])


@transaction.atomic
def representative_add_first(*, organization: Organization, user) -> Representative:
    """On admission, the applicant represents the organization (its primary contact if it has none).

    Lock the organization's active representatives; a person who represents it already keeps
    their row (made primary if nobody is); otherwise add them.
    """
    current = list(
        Representative.objects.select_for_update().filter(organization=organization, removed_at__isnull=True)
    )
    has_primary = any(r.is_primary for r in current)
    mine = next((r for r in current if r.user_id == user.pk), None)
    if mine is not None:
        if not has_primary:
            mine.is_primary = True
            mine.save(update_fields=["is_primary"])
        return mine
    return Representative.objects.create(organization=organization, user=user, is_primary=not has_primary)


# --- what a decision on a member changes (``workflows.motions`` calls these, in its transaction) ------


def membership_suspend(*, membership: Membership, on: datetime.date, reason: str) -> Membership:
    """Active → suspended from ``on``, with a dated suspension that keeps the reason."""
    membership.state = MembershipState.SUSPENDED
    membership.save(update_fields=["state", "updated_at"])
    MembershipSuspension.objects.create(membership=membership, starts_on=on, reason=reason)
    return membership


def membership_reinstate(*, membership: Membership, on: datetime.date) -> Membership:
    """Suspended → active from ``on``: the open suspension ends that day."""
    membership.state = MembershipState.ACTIVE
    membership.save(update_fields=["state", "updated_at"])
    membership_suspensions_sync(membership=membership, on=on)
    return membership


def membership_end(*, membership: Membership, on: datetime.date, reason: str) -> Membership:
    """Active or suspended → ended on ``on`` (the first day no longer a member), for ``reason``
    (an ``EndReason``); an open suspension ends that day too. The row stays in the record."""
    membership.state = MembershipState.ENDED
    membership.ended_on = max(on, membership.admitted_on)
    membership.end_reason = reason
    membership.save(update_fields=["state", "ended_on", "end_reason", "updated_at"])
    membership_suspensions_sync(membership=membership, on=membership.ended_on)
    return membership


def membership_category_change(*, membership: Membership, category: str) -> Membership:
    membership.category = category
    membership.save(update_fields=["category", "updated_at"])
    return membership
