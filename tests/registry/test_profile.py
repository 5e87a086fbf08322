"""The directory profile kept by the union, changes the secretariat approves, and yearly returns."""

import datetime

import pytest
from allauth.account.models import EmailAddress

from notifications.delivery import message_build
from notifications.models import Notification
from registry.models import ChangeRequest, ChangeRequestState, EndReason, MembershipState, YearlyReturn
from registry.selectors import federation_year, in_good_standing, today
from registry.services import representative_add_first
from tests.factories import MembershipFactory, applicant_user, secretariat_user
from workflows import membership as member_services
from workflows.errors import ErrorCode, WorkflowError

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(regions):
    membership = MembershipFactory(organization__region=regions["africa-east"], organization__country="KE")
    first = applicant_user()
    EmailAddress.objects.create(user=first, email=first.email, verified=True, primary=True)
    representative_add_first(organization=membership.organization, user=first)
    return membership.organization, first


@pytest.fixture
def secretariat(db):
    return secretariat_user()


def refused(code: ErrorCode, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def end(organization):
    organization.memberships.update(
        state=MembershipState.ENDED, ended_on=datetime.date(2024, 1, 1), end_reason=EndReason.WITHDRAWN
    )


# --- the profile --------------------------------------------------------------------------------------------


def test_a_representative_edits_the_profile_at_once_and_the_history_records_who(union):
    organization, first = union
    before = organization.updated_at

    member_services.organization_profile_update(
        organization=organization,
        actor=first,
        data={
            "website": "https://new.example.org",
            "city": "Mombasa",
            "email": "hello@new.example.org",
            "description": "We represent\nthe students of Kenya.",
            "social_links": "https://social.example/union\n\nhttps://video.example/union",
        },
    )

    organization.refresh_from_db()
    assert (organization.city, organization.description) == (
        "Mombasa",
        "We represent\nthe students of Kenya.",
    )
    assert organization.social_links == ["https://social.example/union", "https://video.example/union"]
    assert organization.updated_at > before
    assert "mombasa" in organization.search_text
    latest = organization.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        first,
        "Profile updated by a representative",
    )
    assert {change.field for change in latest.diff_against(latest.prev_record).changes} == {
        "website",
        "city",
        "email",
        "description",
        "social_links",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"website": "not a url"}, "website"),
        ({"email": "nobody"}, "email"),
        ({"city": "Nai\u202erobi"}, "city"),
        ({"description": "x" * 1001}, "description"),
        ({"social_links": ["javascript:alert(1)"]}, "social_links"),
        ({"social_links": [f"https://s{i}.example" for i in range(6)]}, "social_links"),
        ({"name": "Renamed"}, "name"),
    ],
)
def test_a_bad_profile_is_refused_field_by_field_and_nothing_changes(union, data, field):
    organization, first = union
    versions = organization.history.count()

    error = refused(
        ErrorCode.INVALID,
        member_services.organization_profile_update,
        organization=organization,
        actor=first,
        data=data,
    )

    assert field in error.details
    assert organization.history.count() == versions


def test_only_representatives_of_a_current_member_edit_the_profile(union, secretariat):
    organization, first = union
    for outsider in (applicant_user(), secretariat):
        refused(
            ErrorCode.FORBIDDEN,
            member_services.organization_profile_update,
            organization=organization,
            actor=outsider,
            data={"city": "X"},
        )
    end(organization)
    refused(
        ErrorCode.NOT_ALLOWED,
        member_services.organization_profile_update,
        organization=organization,
        actor=first,
        data={"city": "X"},
    )


# --- change requests ---------------------------------------------------------------------------------------


def test_a_name_change_approved_by_the_secretariat_changes_the_registry(union, secretariat):
    organization, first = union
    old_name = organization.name

    request = member_services.change_request_submit(
        organization=organization, actor=first, changes={"name": "Kenya Students' Union", "country": "tz"}
    )

    assert request.changes == {"name": "Kenya Students' Union", "country": "TZ"}
    assert request.previous == {"name": old_name, "country": "KE"}
    (asked,) = Notification.objects.filter(event="change_requested")
    assert (asked.recipient, asked.context["link"].endswith("/committee/change-requests/")) == (
        secretariat,
        True,
    )
    organization.refresh_from_db()
    assert organization.name == old_name  # nothing changes before the decision

    member_services.change_request_approve(change_request=request, actor=secretariat)

    organization.refresh_from_db()
    assert (organization.name, organization.country.code, organization.region.code) == (
        "Kenya Students' Union",
        "TZ",
        "africa-east",
    )
    assert organization.history.latest().history_user == secretariat
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (ChangeRequestState.APPROVED, secretariat)
    (told,) = Notification.objects.filter(event="change_approved")
    assert told.recipient == first
    for mail in (asked, told):
        message = message_build(mail)
        assert organization.name in message.subject or old_name in message.subject
        assert "Kenya Students' Union" in message.body


def test_a_declined_change_needs_a_reason_and_tells_the_union(union, secretariat):
    organization, first = union
    request = member_services.change_request_submit(
        organization=organization, actor=first, changes={"acronym": "KSU"}
    )

    refused(
        ErrorCode.INVALID,
        member_services.change_request_decline,
        change_request=request,
        actor=secretariat,
        reason=" ",
    )
    member_services.change_request_decline(
        change_request=request, actor=secretariat, reason="Send your new statutes."
    )

    organization.refresh_from_db()
    assert organization.acronym != "KSU"
    (told,) = Notification.objects.filter(event="change_declined")
    assert (told.recipient, told.context["reason"]) == (first, "Send your new statutes.")
    assert "Send your new statutes." in message_build(told).body
    refused(
        ErrorCode.CONFLICT, member_services.change_request_approve, change_request=request, actor=secretariat
    )


def test_one_change_request_at_a_time_and_only_the_secretariat_decides(union, secretariat):
    organization, first = union
    request = member_services.change_request_submit(
        organization=organization, actor=first, changes={"acronym": "KSU"}
    )

    refused(
        ErrorCode.CONFLICT,
        member_services.change_request_submit,
        organization=organization,
        actor=first,
        changes={"acronym": "K"},
    )
    refused(ErrorCode.FORBIDDEN, member_services.change_request_approve, change_request=request, actor=first)
    assert ChangeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, ErrorCode.INVALID),
        ({"name": ""}, ErrorCode.INVALID),
        ({"country": "XX"}, ErrorCode.INVALID),
        ({"city": "Elsewhere"}, ErrorCode.INVALID),
    ],
)
def test_a_change_request_must_change_something_valid(union, changes, code):
    organization, first = union
    refused(
        code, member_services.change_request_submit, organization=organization, actor=first, changes=changes
    )
    refused(
        ErrorCode.INVALID,
        member_services.change_request_submit,
        organization=organization,
        actor=first,
        changes={"name": organization.name},
    )


def test_a_change_request_on_an_ended_membership_is_refused(union, secretariat):
    organization, first = union
    request = member_services.change_request_submit(
        organization=organization, actor=first, changes={"acronym": "KSU"}
    )
    end(organization)

    refused(
        ErrorCode.NOT_ALLOWED,
        member_services.change_request_submit,
        organization=organization,
        actor=first,
        changes={"name": "Another"},
    )
    refused(
        ErrorCode.NOT_ALLOWED,
        member_services.change_request_approve,
        change_request=request,
        actor=secretariat,
    )
    request.refresh_from_db()
    assert request.state == ChangeRequestState.PENDING


# --- yearly returns ------------------------------------------------------------------------------------------


def test_a_filed_return_keeps_the_union_in_good_standing_and_a_second_one_is_refused(union, settings):
    organization, first = union
    membership = organization.memberships.get()
    settings.MEMBERSHIP_YEAR_START = (
        (today() - datetime.timedelta(days=100)).strftime("%m-%d").replace("02-29", "02-28")
    )
    settings.RETURN_DUE_DAYS = 30
    assert not in_good_standing(membership)

    filed = member_services.yearly_return_file(
        membership=membership,
        actor=first,
        data={
            "officers": [{"name": "Amani Otieno", "role": "President", "email": "amani@union.example"}],
            "students_represented": 12_000,
            "activities": "A national congress.",
        },
    )

    assert (filed.year, filed.filed_by) == (federation_year(today()), first)
    assert in_good_standing(membership)
    refused(
        ErrorCode.CONFLICT, member_services.yearly_return_file, membership=membership, actor=first, data={}
    )
    refused(
        ErrorCode.INVALID,
        member_services.yearly_return_file,
        membership=membership,
        actor=first,
        data={},
        year=filed.year + 1,
    )
    refused(
        ErrorCode.INVALID,
        member_services.yearly_return_file,
        membership=membership,
        actor=first,
        data={"students_represented": -1},
        year=filed.year - 1,
    )
    refused(
        ErrorCode.FORBIDDEN,
        member_services.yearly_return_file,
        membership=membership,
        actor=applicant_user(),
        data={},
    )
    assert YearlyReturn.objects.count() == 1


def test_a_name_in_latin_script_is_asked_for_approved_and_then_found_by_search(union, secretariat):
    from django.utils import translation

    from registry.selectors import affiliate_list

    organization, first = union
    request = member_services.change_request_submit(
        organization=organization,
        actor=first,
        changes={"name": "الاتحاد الوطني لطلبة كينيا", "name_latin": "Kenya National Union of Students"},
    )
    assert request.previous == {"name": organization.name, "name_latin": ""}
    with translation.override("en"):
        fields = [str(line["field"]) for line in member_services.change_lines(request)]
    assert fields == [
        "Name",
        "Name in Latin script",
    ]

    member_services.change_request_approve(change_request=request, actor=secretariat)

    organization.refresh_from_db()
    assert organization.name_latin == "Kenya National Union of Students"
    assert list(affiliate_list(search="national union kenya").values_list("pk", flat=True)) == [
        organization.pk
    ]
    assert list(affiliate_list(search="لطلبه كينيا").values_list("pk", flat=True)) == [organization.pk]


def test_a_name_in_latin_script_on_two_lines_is_refused(union):
    organization, first = union
    with pytest.raises(WorkflowError) as refused:
        member_services.change_request_submit(
            organization=organization, actor=first, changes={"name_latin": "Kenya\nStudents"}
        )
    assert refused.value.code == ErrorCode.INVALID
    assert "name_latin" in refused.value.details
