"""README "run": `PORT=9000 make run` serves on port 9000, and the links in its e-mails say so."""

import re
import stat
import subprocess
import sys

import pytest

from notifications import delivery
from notifications.models import Notification
from tests.cast import new_draft
from tests.config.helpers import BASE_DIR, clean_env, run_settings
from workflows import services
from workflows.notifications import Event

PRINT_SITE_URL = "print(json.dumps(settings.SITE_URL))"


def test_site_url_follows_the_port_of_make_run():
    assert run_settings(PRINT_SITE_URL, PORT="9000") == "http://127.0.0.1:9000"


def test_site_url_is_port_8000_without_a_port():
    assert run_settings(PRINT_SITE_URL) == "http://127.0.0.1:8000"


def test_a_site_url_that_is_set_wins_over_the_port():
    site_url = run_settings(PRINT_SITE_URL, PORT="9000", SITE_URL="https://registry.example.org/")

    assert site_url == "https://registry.example.org"


def test_make_run_serves_on_the_port_and_its_settings_link_to_it(tmp_path):
    """The run target with a stand-in interpreter: it logs each command, and for runserver
    prints the SITE_URL the real settings derive from the environment make gives it."""
    log = tmp_path / "commands.log"
    fake_python = tmp_path / "python"
    fake_python.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        'if [ "$2" = runserver ]; then\n'
        f'  exec "{sys.executable}" -c "import django; django.setup(); from django.conf import settings; '
        f'print(\'SITE_URL=\' + settings.SITE_URL)" >> "{log}"\n'
        "fi\n"
    )
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IXUSR)
    installed = tmp_path / ".installed"
    installed.touch()  # newer than pyproject.toml: nothing to install
    env = clean_env()
    del env["DEBUG"]  # the run target turns it on

    result = subprocess.run(
        ["make", "--no-print-directory", "run", "PORT=9000", f"BIN={tmp_path}", f"STAMP={installed}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = log.read_text().splitlines()
    assert lines[-2] == "manage.py runserver 127.0.0.1:9000"
    assert lines[-1] == "SITE_URL=http://127.0.0.1:9000"
    assert "http://127.0.0.1:9000/" in result.stdout


@pytest.fixture
def _documents_in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("_documents_in_memory")
def test_a_notification_email_links_to_the_port_of_make_run(settings, cast):
    settings.SITE_URL = run_settings(PRINT_SITE_URL, PORT="9000")
    application = services.application_submit(application=new_draft(cast), actor=cast.applicant)

    receipt = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.applicant)
    message = delivery.message_build(receipt)

    links = re.findall(r"https?://[^\s\"<>]+", message.body + message.alternatives[0][0])
    assert f"http://127.0.0.1:9000/applications/{application.pk}/" in links
    assert all(link.startswith("http://127.0.0.1:9000/") for link in links)
