"""People and steps shared by the browser tests."""

import email
import email.policy
import re
from pathlib import Path

from allauth.account.models import EmailAddress

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"

# The smallest valid PDF: a catalog, a page tree, one empty page, a cross-reference table.
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def verified_user(*, email: str, first_name: str, last_name: str, groups=()):
    """A user who can log in by e-mail at once (a verified address, as the demo users have)."""
    user = UserFactory(
        username=email, email=email, first_name=first_name, last_name=last_name, groups=list(groups)
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:2000]


# Django's file backend writes each connection's messages to one file, a line of dashes after each.
MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"


def mail_files(folder: Path) -> set[Path]:
    return set(folder.glob("*.log")) if folder.is_dir() else set()


def confirmation_link_in_files(paths, address: str) -> str:
    """The e-mail verification link in the message to ``address`` among the mail files ``paths``
    (the last one), decoded as a mail reader would."""
    links = []
    for path in sorted(paths, key=lambda p: p.stat().st_mtime):
        for raw in path.read_text(encoding="utf-8").split(MESSAGE_SEPARATOR):
            message = email.message_from_string(raw.strip(), policy=email.policy.default)
            if address not in str(message.get("To", "")):
                continue
            body = message.get_body(preferencelist=("plain",))
            match = body and re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", body.get_content())
            if match:
                links.append(match.group(0))
    assert links, f"no verification e-mail to {address} in {sorted(str(p) for p in paths)}"
    return links[-1]


def confirmation_link(messages, email: str) -> str:
    """The e-mail verification link sent to ``email`` (the last one)."""
    for message in reversed(messages):
        if email in message.to:
            match = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
            if match:
                return match.group(0)
    raise AssertionError(f"no verification e-mail to {email} in {[m.subject for m in messages]}")
