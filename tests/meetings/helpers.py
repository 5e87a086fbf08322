"""Meetings made through the services, as the secretariat of the cast would."""

import datetime

import pytest

from meetings import services
from meetings.models import AgendaItem, AgendaItemKind
from tests.cast import application_in
from workflows.errors import ErrorCode, WorkflowError
from workflows.models import ApplicationState

# When the meetings whose agenda is voted on start: a Friday morning in January.
START = datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC)
# Unions unlike each other by name (the registry flags a name like another's as a possible duplicate).
UNIONS = [
    "Kenya Union of Students",
    "Union nationale des étudiants",
    "Öğrenci Birliği Ankara",
    "Jordanian Students Council",
    "Scottish Student Association",
    "Norsk Studentorganisasjon",
    "Chilean University Federation",
    "Vietnam Youth Academic League",
]


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


def meeting_with(cast, applications: int = 1, *, starts_at=START, title="Executive Committee, January"):
    """A convened meeting (chaired by the committee's first member, minuted by its second) whose
    agenda holds ``applications`` reviewed applications, each of a union named anew."""
    meeting = convened_meeting(cast, starts_at, title=title)
    for _number in range(applications):
        name = UNIONS[AgendaItem.objects.count()]  # a new one for each item of the test
        application = application_in(ApplicationState.REVIEWED, cast, name=name)
        services.agenda_item_add(
            meeting=meeting, actor=cast.secretariat, kind=AgendaItemKind.APPLICATION, application=application
        )
    return reload(meeting)


def refused(code: ErrorCode, call, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def reload(row):
    return type(row).objects.get(pk=row.pk)
