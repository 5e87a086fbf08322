"""Minutes of a meeting: the record generated from what the meeting did, and how people read it.

``minutes_record`` reads the meeting (its officers, attendance, each agenda item in order with the
rounds opened on it from the agenda: outcome, exact tally, named votes, recusals) into plain JSON
of codes, numbers and names — nothing translated, so that its hash (``models.record_hash``) is one
for every reader. ``minutes_display`` turns a stored record into sentences in the reader's
language, for the text (``minutes_text``), the printable page (``templates/meetings/minutes.html``)
and the PDF (``minutes_pdf``, drawn with fpdf2 and the fonts of ``PDF_FONTS_DIR``, Arabic shaped by
HarfBuzz as the certificate's).
"""

import datetime
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from accounts.people import display_name
from workflows import votes
from workflows.models import BallotChoice, MotionKind, VoteMode, VoteOutcome, VoteRound

from .models import AgendaItemKind, AttendanceStatus, Meeting, Minutes

logging.getLogger("fontTools").setLevel(logging.WARNING)

K = AgendaItemKind

# An item's decision, as the record keeps it (codes) and as the minutes say it.
DECISIONS = {
    "admitted": gettext_lazy("Admitted"),
    "rejected": gettext_lazy("Rejected"),
    "carried": gettext_lazy("Motion carried"),
    "defeated": gettext_lazy("Motion defeated"),
    "no_quorum": gettext_lazy("No quorum: no decision"),
    "pending": gettext_lazy("Vote not yet closed"),
    "approved": gettext_lazy("Minutes approved"),
    "": gettext_lazy("No vote"),
}
# What a carried motion decided, in the minutes' words.
CARRIED = {
    MotionKind.SUSPEND: gettext_lazy("Suspended"),
    MotionKind.REINSTATE: gettext_lazy("Reinstated"),
    MotionKind.EXPEL: gettext_lazy("Expelled"),
    MotionKind.CHANGE_CATEGORY: gettext_lazy("Category changed"),
    MotionKind.WITHDRAWAL: gettext_lazy("Withdrawal confirmed"),
    MotionKind.LAPSE: gettext_lazy("Membership ended (lapsed for unpaid dues)"),
    MotionKind.WAIVE_DUES: gettext_lazy("Dues waived"),
}
OUTCOME_DECISIONS = {
    K.APPLICATION: {VoteOutcome.PASSED: "admitted", VoteOutcome.FAILED: "rejected"},
    K.MOTION: {VoteOutcome.PASSED: "carried", VoteOutcome.FAILED: "defeated"},
}


# --- the record ---------------------------------------------------------------------------------------


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _round_record(vote_round: VoteRound) -> dict:
    """One round as the minutes keep it: mode, outcome, exact tally, named votes, recusals."""
    voters = sorted(vote_round.voters.all(), key=lambda v: v.pk)
    if vote_round.closed_at is not None:
        tally = {
            "yes": vote_round.yes_count,
            "no": vote_round.no_count,
            "abstain": vote_round.abstain_count,
            "eligible": vote_round.eligible_count,
        }
    else:
        current = votes.round_tally(vote_round)
        tally = {
            "yes": current.yes,
            "no": current.no,
            "abstain": current.abstain,
            "eligible": current.eligible,
        }
    named = []
    if vote_round.mode == VoteMode.NAMED:
        named = [
            {"name": display_name(v.user), "choice": v.ballot.choice} for v in voters if hasattr(v, "ballot")
        ]
    return {
        "number": vote_round.number,
        "mode": vote_round.mode,
        "category": vote_round.category,
        "opened_at": _moment(vote_round.opened_at),
        "closed_at": _moment(vote_round.closed_at),
        "outcome": vote_round.outcome if vote_round.closed_at else "open",
        **tally,
        "votes": named,
        "recusals": [
            {"name": display_name(v.user), "reason": v.recusal_reason} for v in voters if v.recused_at
        ],
    }


def _decision(item, rounds: list[dict]) -> str:
    if item.kind == K.MINUTES:
        return "approved" if item.minutes.approved_at else ""
    if not rounds:
        return ""
    last = rounds[-1]
    if last["outcome"] == "open":
        return "pending"
    if last["outcome"] == VoteOutcome.NO_QUORUM:
        return "no_quorum"
    return OUTCOME_DECISIONS[item.kind][last["outcome"]]


def _subject(item) -> dict:
    if item.kind == K.APPLICATION:
        application = item.application
        return {
            "application": application.pk,
            "organization": application.name,
            "acronym": application.acronym,
            "country": application.country.code if application.country else "",
        }
    if item.kind == K.MOTION:
        organization = item.motion.membership.organization
        return {
            "motion": item.motion.pk,
            "motion_kind": item.motion.kind,
            "organization": organization.name,
            "acronym": organization.acronym,
            "country": organization.country.code if organization.country else "",
        }
    if item.kind == K.MINUTES:
        earlier = item.minutes.meeting
        return {
            "minutes_of": earlier.pk,
            "meeting_title": earlier.title,
            "meeting_date": _moment(earlier.starts_at),
        }
    return {}


def minutes_record(meeting: Meeting, summaries: dict[str, str]) -> dict:
    """The record of ``meeting`` as JSON (codes, numbers, names, UTC times), with ``summaries``
    (agenda item id as a string → the minute-taker's text) under each item."""
    attendance = {status: [] for status in AttendanceStatus.values}
    for row in meeting.attendance.select_related("member"):
        attendance[row.status].append(display_name(row.member))
    items = (
        meeting.agenda_items.order_by("position")
        .select_related("application", "motion__membership__organization", "minutes__meeting")
        .prefetch_related("vote_rounds__voters__user", "vote_rounds__voters__ballot")
    )
    records = []
    for item in items:
        rounds = [_round_record(r) for r in sorted(item.vote_rounds.all(), key=lambda r: r.number)]
        records.append(
            {
                "item": item.pk,
                "position": item.position,
                "kind": item.kind,
                "title": item.title,
                "text": item.text,
                **_subject(item),
                "rounds": rounds,
                "decision": _decision(item, rounds),
                "summary": summaries.get(str(item.pk), ""),
            }
        )
    return {
        "meeting": {
            "id": meeting.pk,
            "uid": str(meeting.uid),
            "title": meeting.title,
            "starts_at": _moment(meeting.starts_at),
            "ends_at": _moment(meeting.ends_at),
            "place": meeting.place,
            "online_link": meeting.online_link,
            "chair": display_name(meeting.chair),
            "minute_taker": display_name(meeting.minute_taker),
        },
        "attendance": {status: sorted(names) for status, names in attendance.items()},
        "items": records,
    }


# --- as people read it ----------------------------------------------------------------------------------


@dataclass
class ItemDisplay:
    heading: str
    decision: str
    lines: list[str] = field(default_factory=list)  # tallies, votes, recusals
    summary: str = ""


@dataclass
class MinutesDisplay:
    title: str
    header: list[str]
    attendance: list[tuple[str, str]]  # (status label, names)
    items: list[ItemDisplay]
    footer: list[str]


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    moment = datetime.datetime.fromisoformat(iso).astimezone(datetime.UTC)
    return f"{formats.date_format(moment, 'j F Y, H:i')} UTC"


def _name(entry: dict) -> str:
    return entry["organization"] + (f" ({entry['acronym']})" if entry.get("acronym") else "")


def _heading(entry: dict) -> str:
    kind = entry["kind"]
    if kind == K.APPLICATION:
        label = _("Application for membership: %(name)s") % {"name": _name(entry)}
    elif kind == K.MOTION:
        label = _("%(motion)s: %(name)s") % {
            "motion": MotionKind(entry["motion_kind"]).label,
            "name": _name(entry),
        }
    elif kind == K.MINUTES:
        label = _("Approval of the minutes of “%(meeting)s”, %(date)s") % {
            "meeting": entry["meeting_title"],
            "date": _when(entry["meeting_date"]),
        }
    else:
        label = entry["title"]
    return f"{entry['position']}. {label}"


def _round_lines(entry: dict) -> list[str]:
    lines = []
    for r in entry["rounds"]:
        lines.append(
            _(
                "Round %(number)d (%(mode)s): yes %(yes)d, no %(no)d, abstain %(abstain)d, "
                "of %(eligible)d eligible — %(outcome)s."
            )
            % {
                "number": r["number"],
                "mode": VoteMode(r["mode"]).label,
                "yes": r["yes"],
                "no": r["no"],
                "abstain": r["abstain"],
                "eligible": r["eligible"],
                "outcome": VoteOutcome(r["outcome"]).label
                if r["outcome"] != "open"
                else DECISIONS["pending"],
            }
        )
        if r["votes"]:
            by_choice = {
                choice: ", ".join(v["name"] for v in r["votes"] if v["choice"] == choice)
                for choice in BallotChoice.values
            }
            for choice, names in by_choice.items():
                if names:
                    lines.append(f"{BallotChoice(choice).label}: {names}")
        for recusal in r["recusals"]:
            lines.append(
                _("Recused: %(name)s (%(reason)s)") % {"name": recusal["name"], "reason": recusal["reason"]}
                if recusal["reason"]
                else _("Recused: %(name)s") % {"name": recusal["name"]}
            )
    return lines


def _decision_text(entry: dict) -> str:
    decision = entry["decision"]
    if decision == "carried":
        return f"{DECISIONS['carried']}: {CARRIED[MotionKind(entry['motion_kind'])]}"
    return str(DECISIONS[decision])


def minutes_display(minutes: Minutes) -> MinutesDisplay:
    """The stored record of ``minutes`` in the reader's language: what the text, page and PDF show."""
    record = minutes.record
    meeting = record["meeting"]
    header = [
        _("Date: %(start)s to %(end)s")
        % {"start": _when(meeting["starts_at"]), "end": _when(meeting["ends_at"])}
    ]
    if meeting["place"]:
        header.append(_("Place: %(place)s") % {"place": meeting["place"]})
    if meeting["online_link"]:
        header.append(_("Online: %(link)s") % {"link": meeting["online_link"]})
    header.append(_("Chair: %(name)s") % {"name": meeting["chair"]})
    header.append(_("Minute-taker: %(name)s") % {"name": meeting["minute_taker"]})
    attendance = [
        (str(AttendanceStatus(status).label), ", ".join(names))
        for status, names in record["attendance"].items()
        if names
    ]
    items = [
        ItemDisplay(
            heading=_heading(entry),
            decision=_decision_text(entry),
            lines=_round_lines(entry),
            summary=entry["summary"],
        )
        for entry in record["items"]
    ]
    state = (
        _("Approved on %(date)s.") % {"date": _when(_moment(minutes.approved_at))}
        if minutes.approved_at
        else _("Draft, not yet approved.")
    )
    return MinutesDisplay(
        title=_("Minutes of “%(meeting)s”") % {"meeting": meeting["title"]},
        header=header,
        attendance=attendance,
        items=items,
        footer=[state, _("SHA-256 of the record: %(hash)s") % {"hash": minutes.sha256}],
    )


def minutes_text(minutes: Minutes) -> str:
    """The minutes as plain text, in the reader's language."""
    shown = minutes_display(minutes)
    lines = [shown.title, "", *shown.header, "", _("Attendance")]
    lines += [f"{label}: {names}" for label, names in shown.attendance]
    lines += ["", _("Agenda")]
    for item in shown.items:
        lines += ["", item.heading, _("Decision: %(decision)s") % {"decision": item.decision}, *item.lines]
        if item.summary:
            lines.append(item.summary)
    lines += ["", *shown.footer]
    return "\n".join(lines) + "\n"


# --- the PDF ---------------------------------------------------------------------------------------------


def _fonts() -> Path:
    return Path(settings.PDF_FONTS_DIR)


def minutes_pdf(minutes: Minutes, *, federation_name: str) -> bytes:
    """The minutes as an A4 PDF (as many pages as they need), in the reader's language."""
    shown = minutes_display(minutes)
    pdf = FPDF(format="A4")
    pdf.set_title(shown.title)
    pdf.set_author(federation_name)
    pdf.set_creator(federation_name)
    pdf.add_font("DejaVu", "", str(_fonts() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_fonts() / "DejaVuSans-Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def line(words: str, size: float = 10, style: str = "", gap: float = 1) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(pdf.epw, size * 0.5, words, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    line(federation_name, 11, "B", gap=3)
    line(shown.title, 16, "B", gap=4)
    for text in shown.header:
        line(text)
    line(_("Attendance"), 12, "B", gap=2)
    for label, names in shown.attendance:
        line(f"{label}: {names}")
    line(_("Agenda"), 12, "B", gap=2)
    for item in shown.items:
        line(item.heading, 11, "B")
        line(_("Decision: %(decision)s") % {"decision": item.decision})
        for text in item.lines:
            line(text, 9)
        if item.summary:
            line(item.summary)
        pdf.ln(2)
    for text in shown.footer:
        line(text, 8)
    return bytes(pdf.output())
