"""The settings as `make run` loads them: config.settings in a fresh process, DEBUG on, no .env."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# A developer's own variables (a shell's EMAIL_URL, SITE_URL…) must not leak into these processes.
KEPT_VARIABLES = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of `make run` on a fresh checkout: DEBUG=1 and nothing else of ours.

    SECRET_KEY is given only so that loading the settings does not write var/secret_key.
    """
    keep = {k: v for k, v in os.environ.items() if k in KEPT_VARIABLES}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SECRET_KEY": "tests-only-not-secret",
        **extra,
    }


def run_settings(code: str, **extra: str):
    """Run ``code`` after ``django.setup()`` in a fresh process; return what it prints as JSON."""
    script = f"import json, django\ndjango.setup()\nfrom django.conf import settings\n{code}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=clean_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
