"""``python -m bench`` works: seeded tiny data sets, a few rounds, the JSON document of README "Performance".

The benchmark itself is ``make bench``; this only checks that the runner, its statistics
and its JSON hold together, on 30 and 120 organizations, without the cases that start
gunicorn or a Celery worker.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from bench.runner import RATIOS

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
IN_PROCESS = [
    "api_vs_raw",
    "naive_vs_api",
    "scale_first_page",
    "scale_deep_page",
    "scale_region_filter",
    "scale_search",
    "scale_search_rare",
    "feed_page",
    "as_of_list",
    "directory_page",
    "committee_queue",
    "signup_known_vs_new",
    "transition_vs_minimal",
]
IMPORTS = ["import_vs_copy", "csv_import"]
ROUNDS = 3
IMPORT_ROUNDS = 2
FEED_EVENTS = 500  # feed_page's large side: the 120 set's feed (about 170 events) grown to this


def bench_database_url() -> str:
    """The test database's server, with a base name of the test database's own (the runner adds
    suffixes), so that test runs on other databases of the same server keep to theirs."""
    settings = connection.settings_dict
    user, password = quote(settings.get("USER") or ""), quote(settings.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{settings['NAME']}_bench_smoke"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    env = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["DATABASE_URL"] = bench_database_url()
    argv = [
        *(sys.executable, "-m", "bench", "--sizes", "30,120", "--rounds", str(ROUNDS), "--inner", "2"),
        *("--only", ",".join([*IN_PROCESS, *IMPORTS, "import"]), "--seed", "7", "--output", str(output)),
        *("--feed-events", str(FEED_EVENTS), "--import-rounds", str(IMPORT_ROUNDS)),
    ]
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    return result, output


def test_the_runner_exits_with_the_verdict_and_writes_what_it_prints(run):
    result, output = run

    assert result.returncode in (0, 1), result.stderr[-4000:]
    document = json.loads(result.stdout)
    assert json.loads(output.read_text(encoding="utf-8")) == document
    every_pass = all(ratio["status"] == "pass" for ratio in document["ratios"])
    assert result.returncode == (0 if every_pass else 1)


def test_the_document_has_meta_cases_and_ratios(run):
    document = json.loads(run[0].stdout)

    meta = document["meta"]
    assert {"git", "versions", "cpus", "load_average", "rows"} <= set(meta)
    assert meta["versions"]["postgresql"]
    assert meta["rows"]["30"]["organizations"] == 30
    assert meta["rows"]["120"]["organizations"] == 120
    assert 0 < meta["rows"]["120"]["affiliates"] < 120
    # feed_page's large side reads the 120 set's copy, its feed grown to FEED_EVENTS events.
    assert meta["rows"]["feed"]["events"] == FEED_EVENTS
    assert meta["rows"]["feed"]["organizations"] == 120
    feed_page = next(ratio for ratio in document["ratios"] if ratio["id"] == "feed_page")
    assert feed_page["numerator"] == "feed_page@120_500_events"
    assert document["cases"][feed_page["numerator"]]["results"] == 50  # after event 450 (90%)

    assert [ratio["id"] for ratio in document["ratios"]] == [*IN_PROCESS, *IMPORTS]
    for ratio in document["ratios"]:
        assert set(ratio) >= {"id", "numerator", "denominator", "median", "ci95", "goal", "status"}
        assert ratio["goal"] == RATIOS[ratio["id"]]
        assert ratio["status"] in ("pass", "fail", "inconclusive")
        low, high = ratio["ci95"]
        assert 0 < low <= ratio["median"] <= high
        for side in (ratio["numerator"], ratio["denominator"]):
            case = document["cases"][side]
            assert len(case["samples"]) == (IMPORT_ROUNDS if ratio["id"] in IMPORTS else ROUNDS)
            assert min(case["samples"]) <= case["median"] <= case["p95"] <= max(case["samples"])


def test_the_endpoint_costs_the_queries_its_tests_pin(run):
    queries = json.loads(run[0].stdout)["queries"]

    pinned = {name: entry for name, entry in queries.items() if entry["pinned"] is not None}
    assert len(pinned) == 12  # six API cases on each data set
    assert all(entry["match"] for entry in pinned.values()), pinned


def test_the_imports_are_timed_against_copy_of_the_rows_they_wrote(run):
    cases = json.loads(run[0].stdout)["cases"]

    # The backup of the 120 set: its organizations, its memberships, the decisions of its applications.
    restored = cases["import_vs_copy_copy"]["rows"]
    assert restored["registry_organization"] == 120
    assert restored["registry_membership"] > 0
    assert restored["registry_region"] > 0
    assert cases["csv_import_copy"]["rows"] == {"registry_organization": 120, "registry_membership": 120}


def test_the_import_line_compares_with_copy(run):
    imported = json.loads(run[0].stdout)["import"]

    assert imported["copy"]["rows"] == 120
    assert imported["csv_import_command"]
