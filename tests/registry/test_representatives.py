"""Representatives of a member union: the first on admission, invitations, removal, the primary contact."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from accounts.models import Preferences
from notifications.delivery import message_build
from notifications.models import Notification
from registry.models import (
    EndReason,
    MembershipState,
    Representative,
    RepresentativeInvitation,
    hash_token,
)
from registry.selectors import represented_organizations
from registry.services import representative_add_first
from tests.cast import application_in, reload
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from workflows import membership as member_services
from workflows import services
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState

pytestmark = pytest.mark.django_db


def person(email=None):
    """A signed-up person whose address is confirmed."""
    user = applicant_user(**({"username": email, "email": email} if email else {}))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def union():
    """A member union and its first (primary) representative."""
    membership = MembershipFactory()
    first = person()
    representative_add_first(organization=membership.organization, user=first)
    return membership.organization, first


def refused(code: ErrorCode, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def invite(organization, actor, email):
    return member_services.invitation_send(organization=organization, actor=actor, email=email)


# --- the first representative ----------------------------------------------------------------------


def test_admission_makes_the_applicant_the_first_primary_representative(cast, regions):
    application = application_in(ApplicationState.EXECUTIVE_VOTE, cast, region=regions["africa-east"])
    for member in cast.committee:
        services.vote_cast(application=application, member=member, choice="yes")

    organization = reload(application).organization
    (representative,) = Representative.objects.filter(organization=organization)
    assert (representative.user, representative.is_primary, representative.removed_at) == (
        cast.applicant,
        True,
        None,
    )
    assert list(represented_organizations(cast.applicant)) == [organization]


def test_adding_the_first_representative_twice_keeps_one_row(union):
    organization, first = union

    representative_add_first(organization=organization, user=first)
    other = representative_add_first(organization=organization, user=person())

    assert organization.representatives.filter(removed_at__isnull=True).count() == 2
    assert not other.is_primary  # the union has its primary contact already


def test_the_database_allows_one_active_row_per_person_and_one_primary(union):
    organization, first = union
    with pytest.raises(IntegrityError), transaction.atomic():
        Representative.objects.create(organization=organization, user=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Representative.objects.create(organization=organization, user=person(), is_primary=True)


# --- invitations -----------------------------------------------------------------------------------------


def test_an_invitation_is_e_mailed_with_a_link_whose_token_is_stored_hashed(
    union, django_capture_on_commit_callbacks
):
    organization, first = union

    with django_capture_on_commit_callbacks() as callbacks:
        invitation, token = invite(organization, first, "  New.Person@Union.example ")

    assert invitation.email == "New.Person@Union.example"
    assert invitation.token_hash == hash_token(token) != token
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=14)
    (mail,) = Notification.objects.filter(event="representative_invited")
    assert (mail.recipient, mail.recipient_email, mail.template) == (
        None,
        invitation.email,
        "representative_invited",
    )
    assert mail.context["link"].endswith(f"/invitations/{token}/")
    assert mail.context["organization_name"] == organization.name
    assert len(callbacks) == 1  # delivery enqueued after the commit
    message = message_build(mail)
    assert message.subject == f"Represent {organization.name} in the federation"
    assert mail.context["link"] in message.body
    assert mail.context["link"] in message.alternatives[0].content


def test_an_invitation_is_written_in_the_invitee_s_language_else_in_the_inviting_person_s(union):
    organization, first = union
    Preferences.objects.create(user=first, language="tr")
    reader = person("lecteur@union.example")
    Preferences.objects.create(user=reader, language="fr")

    invite(organization, first, "LECTEUR@union.example")  # has an account, reads French
    invite(organization, first, "yeni.uye@union.example")  # no account: the inviting person's Turkish
    Preferences.objects.filter(user=first).delete()
    invite(organization, first, "someone@union.example")  # neither chose: the site's default

    languages = dict(
        Notification.objects.filter(event="representative_invited").values_list(
            "recipient_email", "context__language"
        )
    )
    assert languages == {
        "LECTEUR@union.example": "fr",
        "yeni.uye@union.example": "tr",
        "someone@union.example": "en",
    }
    turkish = message_build(Notification.objects.get(recipient_email="yeni.uye@union.example"))
    assert turkish.subject == f"Federasyonda {organization.name} birliğini temsil edin"


def test_an_invited_person_with_the_address_confirmed_becomes_a_representative(union):
    organization, first = union
    newcomer = person("newcomer@union.example")
    invitation, token = invite(organization, first, "NEWCOMER@union.example")

    representative = member_services.invitation_accept(token=token, user=newcomer)

    assert (representative.organization, representative.user, representative.added_by) == (
        organization,
        newcomer,
        first,
    )
    assert not representative.is_primary
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (newcomer, True)


def test_a_person_may_represent_several_unions(union):
    organization, first = union
    other = MembershipFactory().organization
    representative_add_first(organization=other, user=first)

    assert set(represented_organizations(first)) == {organization, other}


@pytest.mark.parametrize("case", ["used", "expired", "revoked"])
def test_an_invitation_used_expired_or_revoked_is_refused_and_nothing_changes(union, case):
    organization, first = union
    newcomer = person("late@union.example")
    invitation, token = invite(organization, first, newcomer.email)
    if case == "used":
        member_services.invitation_accept(token=token, user=newcomer)
    elif case == "expired":
        RepresentativeInvitation.objects.filter(pk=invitation.pk).update(
            created_at=invitation.created_at - datetime.timedelta(days=15),
            expires_at=invitation.created_at - datetime.timedelta(seconds=1),
        )
    else:
        member_services.invitation_revoke(invitation=invitation, actor=first)
    before = list(Representative.objects.values_list("pk", "removed_at"))

    error = refused(ErrorCode.CONFLICT, member_services.invitation_accept, token=token, user=person())
    error_again = refused(ErrorCode.CONFLICT, member_services.invitation_accept, token=token, user=newcomer)

    assert error.message == error_again.message
    assert list(Representative.objects.values_list("pk", "removed_at")) == before


def test_accepting_needs_the_invited_address_confirmed_on_the_account(union):
    organization, first = union
    _invitation, token = invite(organization, first, "someone@union.example")
    unconfirmed = applicant_user(username="someone@union.example", email="someone@union.example")
    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=False, primary=True)

    refused(ErrorCode.FORBIDDEN, member_services.invitation_accept, token=token, user=unconfirmed)
    refused(ErrorCode.FORBIDDEN, member_services.invitation_accept, token=token, user=person())
    refused(ErrorCode.FORBIDDEN, member_services.invitation_accept, token=token, user=AnonymousUser())
    refused(ErrorCode.NOT_ALLOWED, member_services.invitation_accept, token="not-a-token", user=unconfirmed)

    EmailAddress.objects.filter(user=unconfirmed).update(verified=True)
    assert member_services.invitation_accept(token=token, user=unconfirmed).user == unconfirmed


def test_an_invitation_of_a_union_whose_membership_ended_cannot_be_accepted(union):
    organization, first = union
    newcomer = person()
    _invitation, token = invite(organization, first, newcomer.email)
    organization.memberships.update(
        state=MembershipState.ENDED, ended_on=datetime.date(2024, 1, 1), end_reason=EndReason.DISSOLVED
    )

    refused(ErrorCode.NOT_ALLOWED, member_services.invitation_accept, token=token, user=newcomer)
    refused(ErrorCode.NOT_ALLOWED, invite, organization=organization, actor=first, email="x@union.example")


def test_only_a_representative_invites_and_inviting_again_replaces_the_first_invitation(union):
    organization, first = union
    for outsider in (person(), secretariat_user(), AnonymousUser()):
        refused(
            ErrorCode.FORBIDDEN, invite, organization=organization, actor=outsider, email="x@union.example"
        )
    refused(ErrorCode.INVALID, invite, organization=organization, actor=first, email="not an address")
    refused(ErrorCode.CONFLICT, invite, organization=organization, actor=first, email=first.email.upper())

    old, old_token = invite(organization, first, "twice@union.example")
    new, _token = invite(organization, first, "twice@union.example")

    old.refresh_from_db()
    assert (old.revoked_by, new.revoked_at) == (first, None)
    refused(
        ErrorCode.CONFLICT,
        member_services.invitation_accept,
        token=old_token,
        user=person("twice@union.example"),
    )


# --- removal and the primary contact ------------------------------------------------------------------


def test_a_representative_removes_another_and_the_row_stays_in_the_record(union):
    organization, first = union
    second = representative_add_first(organization=organization, user=person())

    removed = member_services.representative_remove(representative=second, actor=first)

    assert (removed.removed_by, removed.removed_at is not None, removed.is_primary) == (first, True, False)
    assert list(organization.representatives.filter(removed_at__isnull=True)) == [
        Representative.objects.get(user=first)
    ]
    refused(ErrorCode.CONFLICT, member_services.representative_remove, representative=second, actor=first)
    refused(
        ErrorCode.FORBIDDEN,
        member_services.representative_make_primary,
        representative=second,
        actor=second.user,
    )


def test_the_last_representative_and_the_primary_contact_are_never_removed(union):
    organization, first = union
    (only,) = organization.representatives.all()

    error = refused(
        ErrorCode.NOT_ALLOWED, member_services.representative_remove, representative=only, actor=first
    )
    assert "primary" in error.message

    second = representative_add_first(organization=organization, user=person())
    member_services.representative_make_primary(representative=second, actor=first)
    only.refresh_from_db()
    assert not only.is_primary

    member_services.representative_remove(representative=only, actor=first)  # removes themselves
    error = refused(
        ErrorCode.NOT_ALLOWED, member_services.representative_remove, representative=second, actor=second.user
    )
    assert organization.representatives.filter(removed_at__isnull=True).count() == 1


def test_a_non_primary_last_representative_is_not_removed_either(union):
    organization, first = union
    (only,) = organization.representatives.all()
    Representative.objects.filter(pk=only.pk).update(
        is_primary=False
    )  # e.g. a primary contact left in the admin

    error = refused(
        ErrorCode.NOT_ALLOWED, member_services.representative_remove, representative=only, actor=first
    )

    assert "last" in error.message


def test_making_primary_moves_the_mark_and_only_a_representative_of_this_union_may(union):
    organization, first = union
    second = representative_add_first(organization=organization, user=person())
    stranger_union = MembershipFactory().organization
    stranger = person()
    representative_add_first(organization=stranger_union, user=stranger)

    refused(
        ErrorCode.FORBIDDEN,
        member_services.representative_make_primary,
        representative=second,
        actor=stranger,
    )
    member_services.representative_make_primary(representative=second, actor=second.user)

    assert list(organization.representatives.filter(is_primary=True)) == [second]
    refused(
        ErrorCode.CONFLICT, member_services.representative_make_primary, representative=second, actor=first
    )
