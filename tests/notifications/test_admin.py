"""The outbox in the admin: read-only, filtered, searchable; "retry now" and "cancel" via the services."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.test import RequestFactory

from notifications.admin import NotificationAdmin
from notifications.models import Notification, NotificationState
from notifications.services import OutboxError, notification_cancel, notification_retry
from tests.cast import new_draft
from tests.factories import UserFactory, committee_member
from workflows import services

pytestmark = pytest.mark.django_db

S = NotificationState


@pytest.fixture
def rows(cast):
    services.application_submit(application=new_draft(cast), actor=cast.applicant)
    return list(Notification.objects.order_by("pk"))


@pytest.fixture
def model_admin():
    return NotificationAdmin(Notification, admin.site)


def request_by(user, method="post", path="/admin/workflows/notification/", data=None):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request._messages = CookieStorage(request)
    return request


def test_the_outbox_is_registered_read_only_with_filters_and_search(model_admin, rows, cast):
    assert isinstance(admin.site._registry.get(Notification), NotificationAdmin)
    superuser = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    request = request_by(superuser, "get", data={"state": "pending", "q": cast.applicant.email})

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_delete_permission(request, rows[0]) is False
    assert set(model_admin.get_readonly_fields(request, rows[0])) >= {"state", "last_error", "context"}
    assert model_admin.list_filter == ("state", "event")
    response = model_admin.changelist_view(request)
    response.render()
    assert response.status_code == 200
    assert response.context_data["cl"].result_count == 1  # searched by recipient


def test_retry_now_requeues_a_failed_row_and_it_is_sent(
    model_admin, rows, cast, django_capture_on_commit_callbacks
):
    failed = rows[0]
    Notification.objects.filter(pk=failed.pk).update(
        state=S.FAILED, attempts=6, last_error="SMTPDataError: 451"
    )

    with django_capture_on_commit_callbacks(execute=True):
        model_admin.retry_now(request_by(cast.secretariat), Notification.objects.filter(pk=failed.pk))

    row = Notification.objects.get(pk=failed.pk)
    assert (row.state, row.attempts) == (S.SENT, 1)
    assert [m.to[0] for m in mail.outbox] == [failed.recipient_email]


def test_cancel_stops_a_pending_row_and_refuses_a_sent_one(model_admin, rows, cast):
    Notification.objects.filter(pk=rows[1].pk).update(state=S.SENT, sent_at="2026-01-01T00:00Z")
    request = request_by(cast.secretariat)

    model_admin.cancel(request, Notification.objects.filter(pk__in=[rows[0].pk, rows[1].pk]))

    assert Notification.objects.get(pk=rows[0].pk).state == S.CANCELLED
    assert Notification.objects.get(pk=rows[1].pk).state == S.SENT
    texts = [str(m) for m in get_messages(request)]
    assert any("cannot be cancelled" in t for t in texts)
    assert any("1 e-mail cancelled." in t for t in texts)


def test_a_cancelled_row_is_never_sent(rows, cast):
    from notifications.tasks import deliver_notification

    notification_cancel(notification=rows[0], actor=cast.secretariat)
    assert deliver_notification(notification_id=rows[0].pk) == "skipped"
    assert mail.outbox == []


def test_only_the_secretariat_manages_the_outbox(rows, cast):
    with pytest.raises(OutboxError) as refused:
        notification_retry(notification=rows[0], actor=committee_member(username="c9@example.org"))
    assert refused.value.code == "forbidden"
    with pytest.raises(OutboxError):
        notification_cancel(notification=rows[0], actor=cast.applicant)
    assert Notification.objects.get(pk=rows[0].pk).state == S.PENDING


def test_a_row_being_sent_cannot_be_retried_or_cancelled(rows, cast):
    Notification.objects.filter(pk=rows[0].pk).update(state=S.SENDING)
    for service in (notification_retry, notification_cancel):
        with pytest.raises(OutboxError) as refused:
            service(notification=rows[0], actor=cast.secretariat)
        assert refused.value.code == "not_allowed"


def test_the_secretariat_group_may_see_and_act_on_the_outbox(cast):
    assert cast.secretariat.has_perm("notifications.view_notification")
    assert cast.secretariat.has_perm("notifications.change_notification")
    assert not cast.secretariat.has_perm("notifications.delete_notification")
