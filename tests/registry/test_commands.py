import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_settings_refuse_to_start_without_secret_key():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_database_url_is_named():
    result = _manage("check", DEBUG="0", SECRET_KEY="x" * 50, DATABASE_URL="nosuchdb://whatever")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_named():
    result = _manage(
        "migrate",
        "--check",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
