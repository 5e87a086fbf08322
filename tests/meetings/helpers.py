"""Meetings made through the services, as the secretariat of the cast would."""

import datetime

import pytest

from meetings import services
from workflows.errors import ErrorCode, WorkflowError


def new_meeting(cast, starts_at: datetime.datetime, **fields):
    """A draft meeting of two hours at headquarters, chaired by the committee's first member and
    minuted by its second."""
    values = {
        "title": "Executive Committee, December session",
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=2),
        "place": "Headquarters, Istanbul",
        "chair": cast.committee[0],
        "minute_taker": cast.committee[1],
        **fields,
    }
    return services.meeting_create(actor=cast.secretariat, **values)


def convened_meeting(cast, starts_at: datetime.datetime, **fields):
    return services.meeting_convene(meeting=new_meeting(cast, starts_at, **fields), actor=cast.secretariat)


def in_session(cast, starts_at: datetime.datetime, **fields):
    meeting = convened_meeting(cast, starts_at, **fields)
    return services.meeting_open_session(meeting=meeting, actor=cast.committee[0])


def refused(code: ErrorCode, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def reload(row):
    return type(row).objects.get(pk=row.pk)
