import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from registry.demo import DEMO_USERS
from registry.models import Membership, Organization
from registry.roles import ROLE_GROUPS
from registry.selectors import affiliate_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Organization.objects.count(), Membership.objects.count(), get_user_model().objects.count())
    assert "password for all" in capsys.readouterr().out

    call_command("seed_demo")

    assert (
        Organization.objects.count(),
        Membership.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert 70 <= counts[0] <= 90
    assert 55 <= affiliate_list().count() <= 70
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS)
    assert set(get_user_model().objects.values_list("username", flat=True)) >= set(DEMO_USERS)
    assert (
        get_user_model().objects.get(username="committee3@demo.example").groups.get().name
        == "Executive Committee"
    )


@pytest.mark.django_db
def test_seed_demo_covers_every_top_level_region(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    top_regions = {
        (org.region.parent or org.region).code for org in affiliate_list().select_related("region__parent")
    }
    assert top_regions == {
        "africa",
        "asia-pacific",
        "central-asia",
        "europe",
        "latin-america",
        "mena",
        "north-america",
    }


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo")
    assert Organization.objects.count() == 0


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
