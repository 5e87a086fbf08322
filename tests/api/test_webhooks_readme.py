"""README "Webhooks": its five lines of Python verify a real delivery (received over HTTP on
loopback) with the ``standardwebhooks`` library, and refuse one changed by one byte."""

import contextlib
import io
import re
from pathlib import Path

import pytest
import standardwebhooks

from api import webhooks
from registry import feed
from tests.api.webhook_receiver import start_receiver
from tests.factories import MembershipFactory, PartnerKeyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def readme_lines() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n### Webhooks: being told instead of polling\n", 1)[1].split("\n### ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def run_readme(**names) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(readme_lines(), dict(names))  # the README's own lines
    return out.getvalue()


@pytest.fixture
def delivered(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver, server = start_receiver()
    try:
        _endpoint, secret = webhooks.webhook_endpoint_create(
            partner_key=PartnerKeyFactory(), url=f"{receiver.url}/hook"
        )
        event = feed.publish(MembershipFactory(organization__slug="knus").organization)
        [delivery_id] = webhooks.fan_out()
        assert webhooks.deliver(delivery_id=delivery_id) == "sent"
    finally:
        server.shutdown()
        server.server_close()
    [received] = receiver.deliveries
    return received, secret, event


def test_the_readme_has_five_lines_of_python():
    assert len([line for line in readme_lines().splitlines() if line.strip()]) == 5


def test_the_readme_lines_verify_a_real_delivery(delivered):
    received, secret, event = delivered

    printed = run_readme(secret=secret, body=received.body, headers=received.headers, last_id=event.seq - 1)

    assert printed.split() == ["member.admitted", "knus"]


def test_the_readme_lines_skip_an_event_already_applied(delivered):
    received, secret, event = delivered

    assert run_readme(secret=secret, body=received.body, headers=received.headers, last_id=event.seq) == ""


def test_the_readme_lines_refuse_a_changed_body(delivered):
    received, secret, _event = delivered
    changed = received.body.replace(b"knus", b"knut")

    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        run_readme(secret=secret, body=changed, headers=received.headers, last_id=0)
