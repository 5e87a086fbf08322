"""Plain words for the pages: what each state means to an applicant, what each logged step was.

Applicants are often volunteers reading in their second or third language: short
sentences, common words, and always what happens next.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from workflows.models import ApplicationState as S


@dataclass(frozen=True)
class StateWords:
    summary: object  # a lazy string: what the state means, in one sentence
    next_step: object  # what happens next, or what the person should do
    tone: str  # css hint: "todo", "waiting", "done", "stopped"


STATE_WORDS: dict[str, StateWords] = {
    S.DRAFT: StateWords(
        _("Not sent yet. Only you can see it."),
        _("Fill in the missing information and upload the documents, then check and send your application."),
        "todo",
    ),
    S.SUBMITTED: StateWords(
        _("The secretariat will check it."),
        _(
            "The secretariat checks that your union can join and that the documents are complete. "
            "We will write to you by e-mail."
        ),
        "waiting",
    ),
    S.INFO_REQUESTED: StateWords(
        _("The secretariat needs more information from you."),
        _("Read the secretariat's message, change your application, then send it again."),
        "todo",
    ),
    S.UNDER_REVIEW: StateWords(
        _("Reviewers are reading your application."),
        _("Reviewers give their recommendation. Then the Executive Committee votes."),
        "waiting",
    ),
    S.REVIEWED: StateWords(
        _("The review is finished."),
        _("The Executive Committee will vote on your application."),
        "waiting",
    ),
    S.EXECUTIVE_VOTE: StateWords(
        _("The Executive Committee is voting."),
        _("When the vote is closed, we will write to you with the result."),
        "waiting",
    ),
    S.ADMITTED: StateWords(
        _("Your union is a member of the federation. Welcome!"),
        _("Your union is now listed in the public member directory."),
        "done",
    ),
    S.REJECTED: StateWords(
        _("The application was not accepted."),
        _("The reason is in the history below. You may apply again later."),
        "stopped",
    ),
    S.WITHDRAWN: StateWords(
        _("The application was stopped at your request."),
        _("You can start a new application at any time."),
        "stopped",
    ),
}


# The committee's actions, named as on their buttons.
ACTION_LABELS: dict[str, object] = {
    "start_review": _("Start the review"),
    "complete_review": _("Mark the review as complete"),
    "open_vote": _("Open the vote"),
    "close_vote": _("Close the vote"),
    "request_info": _("Ask the applicant for more information"),
    "reject": _("Reject as not eligible"),
}


def state_words(state: str) -> StateWords:
    return STATE_WORDS[state]
