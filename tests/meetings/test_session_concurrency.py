"""Two meetings opened at once on PostgreSQL: exactly one is in session, the other refused as a
conflict (the service's check, and the partial unique constraint behind it)."""

import datetime
import threading

import pytest
from django.db import connection

from meetings import services
from meetings.models import Meeting, MeetingState
from workflows.errors import ErrorCode, WorkflowError

from .helpers import convened_meeting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sessions_opened_at_once_leave_exactly_one_in_session(cast):
    starts = datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC)
    meetings = [convened_meeting(cast, starts), convened_meeting(cast, starts + datetime.timedelta(days=1))]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def open_session(meeting) -> None:
        try:
            barrier.wait()
            services.meeting_open_session(meeting=meeting, actor=cast.secretariat)
            outcomes.append("opened")
        except WorkflowError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_session, args=(m,)) for m in meetings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == sorted(["opened", ErrorCode.CONFLICT])
    assert Meeting.objects.filter(state=MeetingState.IN_SESSION).count() == 1
    assert Meeting.objects.filter(state=MeetingState.CONVENED).count() == 1
