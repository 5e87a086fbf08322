"""The account e-mails' task: send one e-mail that allauth's adapter rendered during the request.

The adapter (``accounts.adapter.AccountAdapter.send_mail``) renders the message and enqueues it
after commit, so no account page waits for the mail server, and a sign-up with an address that
already has an account answers in the same time as one with a new address.
"""

import logging
import smtplib

from celery import shared_task

from . import mail

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.tasks.send_account_mail",
    ignore_result=True,
    # A refused connection or a 4xx reply may pass: try again, later each time, a few times.
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=6,
)
def send_account_mail(message: dict) -> None:
    """Send the e-mail ``message`` (``accounts.mail.message_to_dict``'s form)."""
    mail.message_from_dict(message).send()
