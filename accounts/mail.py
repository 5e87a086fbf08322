"""Account e-mails sent after the response: a rendered message as plain data, and its enqueueing.

allauth renders its e-mails (verification, "you already have an account", password reset) with
the request at hand; the message is then handed to a Celery task after the transaction commits
(in-process with the embedded defaults). The time a request takes no longer depends on which
e-mail it sends, nor on the mail server.
"""

import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)


def message_to_dict(message: EmailMessage) -> dict:
    """The message as JSON-serialisable data (a Celery task's argument)."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def message_from_dict(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def send_after_commit(message: EmailMessage) -> None:
    """Enqueue ``message`` for the account e-mails' task once the current transaction commits."""
    transaction.on_commit(lambda: _enqueue(message), robust=True)


def _enqueue(message: EmailMessage) -> None:
    """Publish the task; if the broker refuses, send here rather than lose the e-mail."""
    from .tasks import send_account_mail  # the task module imports this one

    try:
        send_account_mail.delay(message=message_to_dict(message))
    except Exception as exc:  # the broker is down: the person still gets their e-mail
        logger.warning("Could not enqueue an account e-mail (%r); sending it now", exc)
        message.send()
