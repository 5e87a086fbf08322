"""The schema and the server agree exactly: schemathesis with every check against a live server.

For each caller — anonymous, a partner with its key, the secretariat with a personal token (an
officer, so with two-factor set up, as the API requires) — ``st run`` sends at least
``EXAMPLES`` requests per operation, valid and invalid, over the schema's examples, its
coverage of every constraint's edges, random fuzzing and the stateful phase (sequences that
follow the schema's links: create an application, then read, change, upload to it and act on
it). Every check runs, among them ``positive_data_acceptance`` (what the schema allows, the
server accepts) and ``negative_data_rejection`` (what it forbids, the server refuses with 4xx).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.api.workflow_fixtures import token_for
from tests.cast import application_in, new_draft
from tests.factories import MembershipFactory, PartnerKeyFactory
from workflows.models import ApplicationState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.schemathesis, pytest.mark.contract]

S = ApplicationState
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", 100))
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,coverage,fuzzing,stateful")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# The operations each caller is tested on. The workflow's refuse anonymous callers (401) and partner
# keys (403) before they read anything (tests/api/test_applications_permissions.py walks them); the
# secretariat's run covers them all, and schemathesis's ignored_auth check sends each of its
# requests without credentials too.
SCOPES = {"anonymous": "Directory", "partner": "Directory", "secretariat": None}


@pytest.fixture
def world(cast, regions, settings):
    """Applications in several states, an affiliate, and the callers' credentials."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "partner": "1000000/min", "user": "1000000/min"},
    }
    settings.OFFICERS_REQUIRE_MFA = True
    TOTP.activate(cast.secretariat, generate_totp_secret())
    MembershipFactory(organization__region=regions["africa-east"], organization__slug="knus")
    new_draft(cast, region=regions["africa-west"], country="GH")
    for state in (S.SUBMITTED, S.INFO_REQUESTED, S.REVIEWED, S.EXECUTIVE_VOTE):
        application_in(state, cast)
    return {
        "anonymous": None,
        "partner": f"Api-Key {PartnerKeyFactory().key}",
        "secretariat": f"Token {token_for(cast.secretariat)}",
    }


def _schemathesis(
    live_server, authorization: str | None, scope: str | None, tmp_path
) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={CONFIG}",
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--checks=all",
        f"--phases={PHASES}",
        f"--max-examples={EXAMPLES}",
        "--seed=1",
        "--workers=1",
        "--generation-database=none",
        "--suppress-health-check=all",
        "--no-color",
        "--output-truncate=false",
    ]
    if authorization:
        command.append(f"--header=Authorization: {authorization}")
    if scope:
        command.append(f"--include-tag={scope}")
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=1800)


@pytest.mark.parametrize("caller", ["anonymous", "partner", "secretariat"])
def test_the_server_keeps_every_promise_of_its_schema(world, caller, live_server, tmp_path):
    started = time.monotonic()
    run = _schemathesis(live_server, world[caller], SCOPES[caller], tmp_path)
    print(f"\nschemathesis as {caller}: {time.monotonic() - started:.0f}s\n{run.stdout[-6000:]}")
    if report := os.environ.get("SCHEMATHESIS_REPORT"):
        with open(f"{report}-{caller}.txt", "w") as out:
            out.write(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout + run.stderr
