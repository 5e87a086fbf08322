"""The events the workflow announces by e-mail (re-exported by ``workflows.notifications``).

A module of its own so that ``models`` can use the values as choices without importing
the notification code, which imports the models.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    SUBMITTED = "submitted", _("Application submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    RESUBMITTED = "resubmitted", _("Application resubmitted")
    REVIEWER_ASSIGNED = "reviewer_assigned", _("Reviewer assigned")
    REVIEW_STARTED = "review_started", _("Review started")
    REVIEW_TO_CONFIRM = "review_to_confirm", _("Review to confirm after an answer")
    REVIEW_COMPLETE = "review_complete", _("Reviews complete")
    VOTE_OPENED = "vote_opened", _("Vote opened")
    VOTE_REMINDER = "vote_reminder", _("Vote reminder")
    VOTE_CLOSED = "vote_closed", _("Vote closed by itself")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    NO_QUORUM = "no_quorum", _("No quorum")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DIGEST = "digest", _("Daily digest")


class MemberEvent(models.TextChoices):
    """What the life of a member union announces by e-mail (``workflows.membership``)."""

    REPRESENTATIVE_INVITED = "representative_invited", _("Invitation to represent a union")
    CHANGE_REQUESTED = "change_requested", _("Change of name, acronym or country requested")
    CHANGE_APPROVED = "change_approved", _("Change request approved")
    CHANGE_DECLINED = "change_declined", _("Change request declined")
    MOTION_PROPOSED = "motion_proposed", _("Decision on a member proposed")
    MOTION_VOTE_OPENED = "motion_vote_opened", _("Vote on a member opened")
    MOTION_DECIDED = "motion_decided", _("Decision on a member taken")
    MOTION_DROPPED = "motion_dropped", _("Decision on a member dropped")
