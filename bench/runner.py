"""``python -m bench``: seed (or reuse) the data sets, measure every ratio in rounds, print JSON.

Each ratio has two cases, a numerator and a denominator, measured in rounds: in a round
both run back to back, in random order, and give one sample each (the median of a batch
of calls, or requests/s over a few seconds). The ratio is the median of the per-round
ratios, with a 95% bootstrap interval; ``pass`` / ``fail`` when the whole interval is on
one side of the goal, ``inconclusive`` when it straddles it (run more rounds).

Progress goes to stderr; the JSON document to stdout and to ``--output`` (var/bench.json).
Exit status: 0 when every ratio passes, 1 when one does not (or could not run), 2 on an error.
"""

import argparse
import contextlib
import fcntl
import gc
import json
import logging
import math
import os
import platform
import random
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from .databases import ROOT, BenchSetupError, Server, size_label

RATIOS: dict[str, str] = {
    "api_vs_raw": "<= 1.5",
    "naive_vs_api": ">= 8",
    "scale_first_page": "<= 1.3",
    "scale_deep_page": "<= 1.3",
    "scale_region_filter": "<= 1.3",
    "scale_search": "<= 2.0",
    "scale_search_rare": "<= 1.3",
    "as_of_list": "<= 2.0",
    "feed_page": "<= 1.3",
    "directory_page": "<= 1.3",
    "committee_queue": "<= 1.3",
    "csv_export_memory": "<= 1.5",
    "http_api_vs_raw": ">= 0.8",
    "http_cached_vs_bare": ">= 0.7",
    "replica_offload": ">= 1.0",
    "signup_known_vs_new": "<= 1.2",
    "transition_vs_minimal": "<= 2.0",
    "notify_latency": "<= 10",
    "import_vs_copy": "<= 5",
    "csv_import": "<= 5",
}
EXTRAS = ("memory", "import")

# The query counts pinned by tests/api/test_queries.py (anonymous requests; keep in step).
PINNED_QUERIES = {
    "first_page": (1, "test_anonymous_list_without_region_costs_one_query"),
    "deep_page": (
        1,
        "test_anonymous_list_without_region_costs_one_query (a page after a cursor costs the same)",
    ),
    "region_filter": (
        3,
        "test_anonymous_list_costs_three_queries_with_every_filter (region, region tree, page)",
    ),
    "search": (1, "test_anonymous_list_without_region_costs_one_query (q adds a WHERE, no query)"),
    "search_rare": (1, "test_anonymous_list_without_region_costs_one_query (q adds a WHERE, no query)"),
    "as_of_list": (
        2,
        "test_as_of_list_costs_two_queries_and_four_with_every_filter (when the records begin, page)",
    ),
}

# The pages' query counts do not grow with the data: tests pin them as equal at two sizes.
PINNED_PAGE_QUERIES = {
    "directory_page": "tests/registry/test_directory_pages.py::test_a_page_costs_the_same_queries_for_10_and_250_affiliates",
    "committee_queue": "tests/portal/test_queue_pages.py::test_the_queue_costs_the_same_queries_with_10_or_60_applications",
}

API = "/api/v1/affiliates/"
PAGE_SIZE = 100
THROUGHPUT_PAGE_SIZE = 20
DEEP_PAGE_AT = 0.9
# The events of feed_page's large side (a copy of the large data set, its feed grown to this many):
# the default when the large data set has at least FEED_EVENTS_FROM_SIZE organizations.
FEED_EVENTS = 1_000_000
FEED_EVENTS_FROM_SIZE = 100_000


# --- options --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,100000", help="small,large organizations (default 1000,100000)"
    )
    parser.add_argument("--rounds", type=int, default=20, help="rounds of the in-process cases")
    parser.add_argument(
        "--sample-seconds",
        type=float,
        default=0.25,
        help="in-process cases: calls per round are as many as take about this long (at least 3)",
    )
    parser.add_argument(
        "--inner", type=int, default=20, help="in-process cases: at most this many calls per round"
    )
    parser.add_argument("--http-rounds", type=int, default=8)
    parser.add_argument("--http-seconds", type=float, default=3.0, help="seconds of load per case per round")
    parser.add_argument("--http-connections", type=int, default=4)
    parser.add_argument("--latency-rounds", type=int, default=15)
    parser.add_argument("--latency-inner", type=int, default=5)
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument(
        "--memory-rounds", type=int, default=5, help="rounds of csv_export_memory (a process per sample)"
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated ratio ids and extras ({', '.join(EXTRAS)})"
    )
    parser.add_argument("--skip", default="", help="comma-separated ratio ids and extras to leave out")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--json-import", action="store_true", help="also time manage.py import_registry (JSON)"
    )
    parser.add_argument(
        "--import-rounds",
        type=int,
        default=3,
        help="rounds of import_vs_copy (manage.py import_registry of a backup of the large set vs COPY of "
        "its rows) and csv_import (manage.py import_members of as many CSV rows vs COPY), each sample "
        "into a fresh database (default 3: each import of 100,000 rows takes seconds)",
    )
    parser.add_argument("--profile", action="store_true", help="profile (pyinstrument) the ratios that miss")
    parser.add_argument(
        "--feed-events",
        type=int,
        default=None,
        help=f"feed_page's large side: the large data set with its change feed grown to this many events "
        f"(default {FEED_EVENTS:,} from {FEED_EVENTS_FROM_SIZE:,} organizations on; 0: the large set's own feed)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases even if current")
    parser.add_argument("--seed", type=int, default=None, help="seed of the round order (default: random)")
    parser.add_argument("--output", default=str(ROOT / "var" / "bench.json"))
    options = parser.parse_args(argv)
    sizes = sorted(int(s) for s in options.sizes.split(","))
    if len(sizes) != 2 or sizes[0] < 10 or sizes[0] == sizes[1]:
        parser.error("--sizes takes two different sizes of at least 10, e.g. 1000,100000")
    options.small, options.large = sizes
    if options.feed_events is None:
        options.feed_events = FEED_EVENTS if options.large >= FEED_EVENTS_FROM_SIZE else 0
    if options.feed_events < 0:
        parser.error("--feed-events takes a number of events, or 0")
    known = {*RATIOS, *EXTRAS}
    only = {s for s in options.only.split(",") if s}
    skip = {s for s in options.skip.split(",") if s}
    if unknown := (only | skip) - known:
        parser.error(f"unknown ids: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    options.selected = [
        name for name in [*RATIOS, *EXTRAS] if (not only or name in only) and name not in skip
    ]
    options.inner = max(3, options.inner)
    if options.seed is None:
        options.seed = random.SystemRandom().randrange(1 << 30)
    return options


# --- measurement -------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    description: str
    unit: str  # "ms" or "KiB" (lower is better), or "req/s"
    sample: Callable[[], float]  # one round's sample
    samples: list[float] = field(default_factory=list)
    details: Callable[[], dict] | None = None  # more for the case's JSON entry, asked after the rounds


class Bench:
    def __init__(self, options: argparse.Namespace, *, log_dir: Path):
        self.options = options
        self.rng = random.Random(options.seed)
        self.started = time.monotonic()
        self.cases: dict[str, dict] = {}
        self.ratios: list[dict] = []
        self.skipped: list[dict] = []
        self.misses: dict[str, Callable[[], None]] = {}  # ratio id → what to profile
        self.log_dir = log_dir

    def log(self, message: str) -> None:
        print(f"[bench {time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)

    def wanted(self, name: str) -> bool:
        return name in self.options.selected

    def skip(self, ratio_id: str, reason: str) -> None:
        self.log(f"{ratio_id}: skipped: {reason}")
        self.skipped.append({"id": ratio_id, "reason": reason})

    def measure(
        self, ratio_id: str, numerator: Case, denominator: Case, *, rounds: int, profile=None
    ) -> dict:
        from .stats import ratio_entry, summary

        self.log(f"{ratio_id}: {rounds} rounds of {numerator.name} vs {denominator.name}")
        for case in (numerator, denominator):  # warm-up, not counted
            case.sample()
        for _ in range(rounds):
            pair = [numerator, denominator]
            self.rng.shuffle(pair)
            for case in pair:
                gc.collect()
                case.samples.append(case.sample())
        for case in (numerator, denominator):
            self.cases[case.name] = {
                "description": case.description,
                "unit": case.unit,
                **(case.details() if case.details else {}),
                **summary(case.samples),
            }
        entry = ratio_entry(
            ratio_id,
            numerator.name,
            denominator.name,
            numerator.samples,
            denominator.samples,
            RATIOS[ratio_id],
        )
        self.ratios.append(entry)
        self.log(
            f"{ratio_id}: {entry['median']} (95% {entry['ci95'][0]}..{entry['ci95'][1]}) goal {entry['goal']}: {entry['status']}"
        )
        if entry["status"] != "pass" and profile is not None:
            self.misses[ratio_id] = profile
        return entry


def batch_ms(call: Callable[[], float], inner: int) -> float:
    """The median, in milliseconds, of ``inner`` calls that each return their own seconds."""
    from .stats import median

    return median([call() for _ in range(inner)]) * 1000


class Batch:
    """A round's sample of a timed call: the median of as many calls as take about ``seconds``
    (at least 3, at most ``most``), a number fixed by the first sample (the warm-up)."""

    def __init__(self, call: Callable[[], float], *, seconds: float, most: int):
        self.call, self.seconds, self.most = call, seconds, most
        self.calls: int | None = None

    def __call__(self) -> float:
        from .stats import median

        if self.calls is None:
            times = [self.call() for _ in range(3)]
            self.calls = max(3, min(self.most, math.ceil(self.seconds / max(median(times), 1e-6))))
            return median(times) * 1000
        return batch_ms(self.call, self.calls)

    def details(self) -> dict:
        return {"calls_per_round": self.calls}


# --- the affiliate endpoint in-process ------------------------------------------------------------------


@dataclass
class DataSet:
    size: int
    alias: str
    urls: dict[str, str]
    rows: dict
    results: dict[str, int] = field(default_factory=dict)  # rows each request answers
    pages: dict[str, tuple[str, dict]] = field(default_factory=dict)  # HTML pages: URL, headers
    page_results: dict[str, dict] = field(default_factory=dict)  # what each page shows
    feed: "DataSet | None" = None  # the same data with its change feed grown (``--feed-events``)


# The HTML pages measured in-process, large / small: the public directory (anonymous) and the
# committee queue as a member of the Executive Committee.
PAGES = ("directory_page", "committee_queue")


def collect_static(log) -> None:
    """The pages need the static files' manifest (DEBUG off, as in production): ``collectstatic``
    into ``settings.STATIC_ROOT`` when it has none, or one older than a file of static/."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [path for directory in settings.STATICFILES_DIRS for path in Path(directory).rglob("*")]
    newest = max((path.stat().st_mtime for path in sources if path.is_file()), default=0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    log(f"collectstatic into {settings.STATIC_ROOT} (the pages' manifest)")
    call_command("collectstatic", "--no-input", "--clear", verbosity=0)


def page_requests(alias: str) -> dict[str, tuple[str, dict]]:
    """The pages' requests on one data set: the directory's first page, anonymous; the queue's first
    page with the session cookie of ``data.COMMITTEE_VIEWER`` (signed in there, two-factor set up)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from .data import COMMITTEE_VIEWER
    from .routing import using_database

    html = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}
    browser = Client()
    with using_database(alias):
        viewer = get_user_model().objects.get(email=COMMITTEE_VIEWER)
        browser.force_login(viewer, backend="django.contrib.auth.backends.ModelBackend")
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    signed_in = {**html, "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}"}
    return {"directory_page": ("/directory/", html), "committee_queue": ("/committee/", signed_in)}


def check_pages(client, alias: str, pages: dict[str, tuple[str, dict]]) -> dict[str, dict]:
    """Each page must answer 200 (the queue: to the committee member, not a sign-in redirect);
    returns its size and, for the queue, the applications listed."""
    from .routing import using_database

    shown = {}
    for name, (url, headers) in pages.items():
        with using_database(alias):
            code, body = client.get(url, headers)
        if code != 200:
            raise RuntimeError(f"{url} answered {code} on {alias}")
        shown[name] = {"bytes": len(body)}
        if name == "committee_queue":
            shown[name]["applications"] = body.count(b'href="/committee/applications/')
            if b"Your vote" not in body:
                raise RuntimeError(f"{url} on {alias} does not show the viewer's pending votes")
    return shown


def api_urls(alias: str) -> dict[str, str]:
    """The requests of the API cases on one data set; the deep page's cursor is 90% down the list."""
    from api.pagination import Cursor, encode_cursor, ordered
    from registry import feed
    from registry.selectors import affiliate_rows

    from .data import AS_OF, RARE_SEARCH_WORD, REGION_FILTER, SEARCH_WORD
    from .routing import using_database

    with using_database(alias):
        after = int(feed.last_seq() * DEEP_PAGE_AT)  # 100 events after a cursor 90% down the feed
        total = affiliate_rows().count()
        # 90% down the list, or as deep as still leaves a full page (so both sizes serve as many rows).
        position = max(0, min(int(total * DEEP_PAGE_AT), total - PAGE_SIZE - 1))
        row = ordered(affiliate_rows(), "name")[position]
    cursor = encode_cursor(Cursor(ordering="name", value=row["name"], pk=row["id"]))
    return {
        "first_page": f"{API}?page_size={PAGE_SIZE}",
        "deep_page": f"{API}?page_size={PAGE_SIZE}&cursor={cursor}",
        "region_filter": f"{API}?page_size={PAGE_SIZE}&region={REGION_FILTER}",
        "search": f"{API}?page_size={PAGE_SIZE}&q={SEARCH_WORD}",
        "search_rare": f"{API}?page_size={PAGE_SIZE}&q={RARE_SEARCH_WORD}",
        "as_of_list": f"{API}?page_size={PAGE_SIZE}&as_of={AS_OF.isoformat()}",
        "feed_page": f"/api/v1/changes/?after={after}&limit={PAGE_SIZE}",
        "raw": f"/bench/raw/affiliates/?page_size={PAGE_SIZE}",
        "naive": f"/bench/naive/affiliates/?page_size={PAGE_SIZE}",
        "throughput_page": f"{API}?page_size={THROUGHPUT_PAGE_SIZE}",
        "throughput_raw": f"/bench/raw/affiliates/?page_size={THROUGHPUT_PAGE_SIZE}",
    }


# Requests that must answer what another answers (same rows, same next page), or their ratio means nothing.
SAME_RESULTS = {"raw": "first_page", "naive": "first_page", "throughput_raw": "throughput_page"}


def count_queries(client, alias: str, url: str, headers: dict | None = None) -> int:
    from django.db import connections

    from .routing import using_database

    executed: list[str] = []

    def record(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for name in connections:
            stack.enter_context(connections[name].execute_wrapper(record))
        with using_database(alias):
            code, _body = client.get(url, headers)
    if code != 200:
        raise RuntimeError(f"GET {url} answered {code}")
    return len(executed)


def check_same_results(client, alias: str, urls: dict[str, str]) -> dict[str, int]:
    """The limit and the naive view must answer what the endpoint answers, or the ratios mean nothing.

    Returns how many rows each request answers."""
    import orjson

    from .routing import using_database

    with using_database(alias):
        bodies = {name: client.get(url) for name, url in urls.items()}
    for name, (code, _body) in bodies.items():
        if code != 200:
            raise RuntimeError(f"{urls[name]} answered {code} on {alias}")
    for name, reference in SAME_RESULTS.items():
        expected, other = orjson.loads(bodies[reference][1]), orjson.loads(bodies[name][1])
        if other["results"] != expected["results"]:
            raise RuntimeError(f"{urls[name]} does not answer the results of {urls[reference]} on {alias}")
        if bool(other["next"]) != bool(expected["next"]):
            raise RuntimeError(
                f"{urls[name]} disagrees with {urls[reference]} on whether there is a next page"
            )
    return {name: len(orjson.loads(body)["results"]) for name, (_code, body) in bodies.items()}


def in_process_profile(client, data: DataSet, key: str, *, calls: int) -> Callable[[], None]:
    """What ``--profile`` runs for a miss: ``calls`` requests of the case, in this process."""
    from .routing import using_database

    def run() -> None:
        with using_database(data.alias):
            for _ in range(calls):
                client.timed(data.urls[key])

    return run


def in_process_cases(bench: Bench, client, small: DataSet, large: DataSet, queries: dict) -> None:
    from .routing import using_database

    inner, rounds = bench.options.inner, bench.options.rounds

    def http_case(name: str, data: DataSet, key: str, what: str) -> Case:
        url = data.urls[key]
        batch = Batch(lambda: client.timed(url), seconds=bench.options.sample_seconds, most=inner)

        def sample() -> float:
            with using_database(data.alias):
                return batch()

        shown = url if key != "deep_page" else f"{API}?page_size={PAGE_SIZE}&cursor=<90%>"
        description = f"{what}: GET {shown} on {size_label(data.size)}, in-process WSGI; a round's median"
        return Case(
            name,
            description,
            "ms",
            sample,
            details=lambda: {"results": data.results[key], **batch.details()},
        )

    def profile(data: DataSet, key: str) -> Callable[[], None]:
        return in_process_profile(client, data, key, calls=max(50, inner * 5))

    big = size_label(large.size)
    if bench.wanted("api_vs_raw"):
        bench.measure(
            "api_vs_raw",
            http_case(f"api_vs_raw/api@{big}", large, "first_page", "the endpoint"),
            http_case(f"api_vs_raw/raw@{big}", large, "raw", "the same SQL through a cursor, orjson"),
            rounds=rounds,
            profile=profile(large, "first_page"),
        )
    if bench.wanted("naive_vs_api"):
        bench.measure(
            "naive_vs_api",
            http_case(f"naive_vs_api/naive@{big}", large, "naive", "ListAPIView + ModelSerializer"),
            http_case(f"naive_vs_api/api@{big}", large, "first_page", "the endpoint"),
            rounds=rounds,
            profile=profile(large, "first_page"),
        )
    for ratio_id, key in (
        ("scale_first_page", "first_page"),
        ("scale_deep_page", "deep_page"),
        ("scale_region_filter", "region_filter"),
        ("scale_search", "search"),
        ("scale_search_rare", "search_rare"),
    ):
        if bench.wanted(ratio_id):
            bench.measure(
                ratio_id,
                http_case(f"{ratio_id}@{big}", large, key, key.replace("_", " ")),
                http_case(f"{ratio_id}@{size_label(small.size)}", small, key, key.replace("_", " ")),
                rounds=rounds,
                profile=profile(large, key),
            )

    if bench.wanted("feed_page"):
        measure_feed_page(bench, small, large, http_case, profile)

    if bench.wanted("as_of_list"):
        bench.measure(
            "as_of_list",
            http_case(f"as_of_list/past@{big}", large, "as_of_list", "the directory as of a past date"),
            http_case(f"as_of_list/today@{big}", large, "first_page", "the directory today"),
            rounds=rounds,
            profile=profile(large, "as_of_list"),
        )

    measure_pages(bench, client, small, large)
    record_query_counts(client, (small, large), queries)


def measure_feed_page(bench: Bench, small: DataSet, large: DataSet, http_case, profile) -> None:
    """feed_page: 100 events after a cursor 90% deep, on the grown feed (``--feed-events``) or the large
    set's own, against the small set's."""
    grown = large.feed or large
    events = grown.rows.get("events")
    name = f"feed_page@{size_label(large.size)}" + (f"_{size_label(events)}_events" if large.feed else "")
    bench.measure(
        "feed_page",
        http_case(
            name, grown, "feed_page", f"feed page, a feed of {events:,} events" if events else "feed page"
        ),
        http_case(f"feed_page@{size_label(small.size)}", small, "feed_page", "feed page"),
        rounds=bench.options.rounds,
        profile=profile(grown, "feed_page"),
    )


def measure_pages(bench: Bench, client, small: DataSet, large: DataSet) -> None:
    """The HTML pages (``PAGES``), in-process, large against small."""
    for ratio_id in PAGES:
        if bench.wanted(ratio_id):
            bench.measure(
                ratio_id,
                page_case(bench, client, large, ratio_id),
                page_case(bench, client, small, ratio_id),
                rounds=bench.options.rounds,
                profile=page_profile(client, large, ratio_id, calls=max(50, bench.options.inner * 5)),
            )


def page_case(bench: Bench, client, data: DataSet, key: str) -> Case:
    """A page of ``PAGES`` on one data set, in-process WSGI; a round's median."""
    from .routing import using_database

    url, headers = data.pages[key]
    batch = Batch(
        lambda: client.timed(url, headers), seconds=bench.options.sample_seconds, most=bench.options.inner
    )

    def sample() -> float:
        with using_database(data.alias):
            return batch()

    who = "as a member of the Executive Committee" if "HTTP_COOKIE" in headers else "anonymous"
    return Case(
        f"{key}@{size_label(data.size)}",
        f"{key.replace('_', ' ')}: GET {url} ({who}) on {size_label(data.size)}, in-process WSGI; "
        "a round's median",
        "ms",
        sample,
        details=lambda: {"shows": data.page_results[key], **batch.details()},
    )


def page_profile(client, data: DataSet, key: str, *, calls: int) -> Callable[[], None]:
    from .routing import using_database

    url, headers = data.pages[key]

    def run() -> None:
        with using_database(data.alias):
            for _ in range(calls):
                client.timed(url, headers)

    return run


def record_query_counts(client, datasets: tuple[DataSet, ...], queries: dict) -> None:
    """The queries each measured URL costs, beside the count a test pins for it."""
    for data in datasets:
        for key in (
            "first_page",
            "deep_page",
            "region_filter",
            "search",
            "search_rare",
            "as_of_list",
            "feed_page",
            "raw",
            "naive",
        ):
            pinned, test = PINNED_QUERIES.get(key, (None, None))
            measured = count_queries(client, data.alias, data.urls[key])
            queries[f"{key}@{size_label(data.size)}"] = {
                "url": data.urls[key] if key != "deep_page" else f"{API}?page_size={PAGE_SIZE}&cursor=<90%>",
                "measured": measured,
                "pinned": pinned,
                **(
                    {"pinned_by": f"tests/api/test_queries.py::{test}", "match": measured == pinned}
                    if test
                    else {}
                ),
            }
        for key, (url, headers) in data.pages.items():
            queries[f"{key}@{size_label(data.size)}"] = {
                "url": url,
                "measured": count_queries(client, data.alias, url, headers),
                "pinned": None,
                "pinned_by": PINNED_PAGE_QUERIES[key],
            }


# --- the CSV export's memory -------------------------------------------------------------------------------


def csv_memory_case(bench: Bench, server: Server, small: DataSet, large: DataSet) -> None:
    """csv_export_memory: the peak RSS growth of a process streaming the large data set's CSV export
    against the small one's, each sample a fresh process (``bench.csv_memory``)."""
    from . import servers

    def case(data: DataSet) -> Case:
        env = servers.django_env(
            database_url=server.url_for(server.name(size_label(data.size))), LOG_LEVEL="WARNING"
        )
        last: dict = {}

        def sample() -> float:
            result = subprocess.run(
                [sys.executable, "-m", "bench.csv_memory"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    f"bench.csv_memory on {size_label(data.size)} failed:\n{result.stderr[-3000:]}"
                )
            last.update(json.loads(result.stdout))
            if last["rows"] != data.rows["affiliates"]:
                raise RuntimeError(
                    f"the CSV export of {size_label(data.size)} has {last['rows']} rows, not its "
                    f"{data.rows['affiliates']} affiliates"
                )
            return float(last["growth_kib"])

        return Case(
            f"csv_export_memory@{size_label(data.size)}",
            f"peak RSS growth of a fresh process streaming GET /api/v1/affiliates/?format=csv on "
            f"{size_label(data.size)} (in-process WSGI, every chunk dropped), after a warm-up export",
            "KiB",
            sample,
            details=lambda: {key: last[key] for key in ("rows", "bytes", "rss_before_kib", "peak_reset")},
        )

    bench.measure("csv_export_memory", case(large), case(small), rounds=bench.options.memory_rounds)


# --- HTTP throughput and memory under gunicorn ------------------------------------------------------------


def http_cases(bench: Bench, server: Server, large: DataSet, *, tool: str, client) -> dict | None:
    from . import servers

    options = bench.options
    env = servers.django_env(
        database_url=server.url_for(server.name(size_label(large.size))), LOG_LEVEL="INFO"
    )
    gunicorn = servers.Gunicorn(env=env, log_dir=bench.log_dir)
    page_url = gunicorn.url(large.urls["throughput_page"])
    raw_url = gunicorn.url(large.urls["throughput_raw"])
    bare_url = gunicorn.url("/bench/bare/")
    memory: dict | None = None
    api_requests = 0

    def load_case(name: str, url: str, what: str, *, is_api: bool) -> Case:
        def sample() -> float:
            nonlocal api_requests
            gunicorn.check_alive()
            result = servers.load(
                url, seconds=options.http_seconds, connections=options.http_connections, tool=tool
            )
            if is_api:
                api_requests += result["requests"]
            return result["rps"]

        description = (
            f"{what}: requests/s of GET {url.split(str(gunicorn.port), 1)[1]} under gunicorn (2 sync workers), "
            f"{tool}, {options.http_connections} connections, {options.http_seconds:g} s per round"
        )
        return Case(name, description, "req/s", sample)

    bench.log(f"starting gunicorn on 127.0.0.1:{gunicorn.port} ({size_label(large.size)}), load with {tool}")
    try:
        gunicorn.start()
        gunicorn.wait_ready("/bench/bare/")
        booted = {pid: servers.memory_kib(pid)["VmRSS"] for pid in gunicorn.worker_pids()}
        big = size_label(large.size)
        if bench.wanted("http_api_vs_raw"):
            bench.measure(
                "http_api_vs_raw",
                load_case(
                    f"http_api_vs_raw/api@{big}",
                    page_url,
                    f"the endpoint, {THROUGHPUT_PAGE_SIZE} rows",
                    is_api=True,
                ),
                load_case(
                    f"http_api_vs_raw/raw@{big}",
                    raw_url,
                    f"the same rows by the same SQL through a cursor, orjson, {THROUGHPUT_PAGE_SIZE} rows",
                    is_api=False,
                ),
                rounds=options.http_rounds,
                profile=in_process_profile(client, large, "throughput_page", calls=200),
            )
        if bench.wanted("http_cached_vs_bare"):
            bench.measure(
                "http_cached_vs_bare",
                load_case(
                    f"http_cached_vs_bare/directory@{big}",
                    page_url,
                    f"one directory query repeated (the endpoint, {THROUGHPUT_PAGE_SIZE} rows)",
                    is_api=True,
                ),
                load_case("http_cached_vs_bare/bare", bare_url, "a bare JsonResponse view", is_api=False),
                rounds=options.http_rounds,
                profile=in_process_profile(client, large, "throughput_page", calls=200),
            )
        if bench.wanted("memory"):
            memory = measure_memory(bench, gunicorn, page_url, tool=tool, already=api_requests, booted=booted)
    finally:
        gunicorn.stop()
    return memory


def replica_cases(bench: Bench, server: Server, large: DataSet, *, tool: str) -> None:
    """The directory's throughput with its reads on a streaming replica against on the primary alone: two
    gunicorns on the large data set, the same load; then the primary's share of the transactions while
    only the replica's gunicorn is loaded (``pg_stat_database``, both servers)."""
    from urllib.parse import urlsplit, urlunsplit

    from . import servers

    replica_url = os.environ.get("BENCH_REPLICA_URL", "")
    if not replica_url:
        bench.skip(
            "replica_offload",
            "set BENCH_REPLICA_URL to a streaming replica of DATABASE_URL's server "
            "(`.ci/replica start`, then BENCH_REPLICA_URL=postgres://postgres@127.0.0.1:5433/postgres)",
        )
        return
    options, database = bench.options, server.name(size_label(large.size))
    parts = urlsplit(replica_url)
    replica_url = urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))
    primary_url = server.url_for(database)
    wait_for_replica(primary_url, replica_url)
    # The response cache off on both sides: every request runs the directory's queries, so what is
    # compared is where they run, not a cached answer's one lookup.
    primary_env = servers.django_env(database_url=primary_url, DIRECTORY_RESPONSE_CACHE="0")
    primary_env.pop("DATABASE_REPLICA_URL", None)
    alone = servers.Gunicorn(env=primary_env, log_dir=bench.log_dir)
    offloaded = servers.Gunicorn(
        env=servers.django_env(
            database_url=primary_url, DATABASE_REPLICA_URL=replica_url, DIRECTORY_RESPONSE_CACHE="0"
        ),
        log_dir=bench.log_dir,
    )
    offloaded.log_path = bench.log_dir / "gunicorn-replica.log"
    path = large.urls["throughput_page"]

    def load_case(name: str, gunicorn, what: str) -> Case:
        def sample() -> float:
            gunicorn.check_alive()
            return servers.load(
                gunicorn.url(path),
                seconds=options.http_seconds,
                connections=options.http_connections,
                tool=tool,
            )["rps"]

        description = (
            f"{what}: requests/s of GET {path} under gunicorn (2 sync workers), {tool}, "
            f"{options.http_connections} connections, {options.http_seconds:g} s per round"
        )
        return Case(name, description, "req/s", sample)

    replica_case = load_case(
        f"replica_offload/replica@{size_label(large.size)}", offloaded, "reads on the replica"
    )
    replica_case.details = lambda: {
        "primary_share": primary_share(offloaded, path, primary_url, replica_url, tool)
    }
    bench.log(
        f"replica_offload: gunicorn on the primary and gunicorn with its replica ({parts.hostname}:{parts.port})"
    )
    try:
        for gunicorn in (alone, offloaded):
            gunicorn.start()
        for gunicorn in (alone, offloaded):
            gunicorn.wait_ready(path)
        bench.measure(
            "replica_offload",
            replica_case,
            load_case(f"replica_offload/primary@{size_label(large.size)}", alone, "reads on the primary"),
            rounds=options.http_rounds,
        )
    finally:
        offloaded.stop()
        alone.stop()


def transactions(url: str, database: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()
    return int(row[0])


def wait_for_replica(primary_url: str, replica_url: str, timeout: float = 300) -> None:
    """Until the replica has replayed all that the primary has now (a data set just seeded, say)."""
    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as conn:
        position = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        with (
            contextlib.suppress(psycopg.OperationalError),
            psycopg.connect(replica_url, autocommit=True) as conn,
        ):
            if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position]).fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise BenchSetupError(
                f"the replica ({replica_url}) did not replay the primary in {timeout:.0f} s"
            )
        time.sleep(0.5)


# Backends report their statistics when idle for this long at most (PostgreSQL 15: 10 s), and a bit more.
STATS_FLUSH_SECONDS = 11


def primary_share(gunicorn, path: str, primary_url: str, replica_url: str, tool: str) -> dict:
    """Transactions on the data set's database on each server while only the replica's gunicorn is
    loaded: the primary's count is what the directory still costs it (the lag checks among it)."""
    from . import servers

    database = urlsplit_path(primary_url)
    time.sleep(STATS_FLUSH_SECONDS)
    before = transactions(primary_url, database), transactions(replica_url, database)
    served = servers.load(gunicorn.url(path), seconds=5, connections=4, tool=tool)["requests"]
    time.sleep(STATS_FLUSH_SECONDS)
    after = transactions(primary_url, database), transactions(replica_url, database)
    on_primary, on_replica = after[0] - before[0] - 1, after[1] - before[1] - 1  # less the first reading
    return {
        "requests": served,
        "transactions_on_primary": on_primary,
        "transactions_on_replica": on_replica,
        "share": round(on_primary / max(1, on_primary + on_replica), 4),
    }


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.lstrip("/")


def measure_memory(
    bench: Bench, gunicorn, url: str, *, tool: str, already: int, booted: dict[int, int]
) -> dict:
    """Peak RSS of the gunicorn workers once they have served ``--memory-requests`` API requests."""
    from . import servers

    target = bench.options.memory_requests
    done = already
    deadline = time.monotonic() + 300
    bench.log(f"memory: loading the endpoint until {target} requests ({done} so far)")
    while done < target and time.monotonic() < deadline:
        gunicorn.check_alive()
        done += servers.load(url, seconds=5, connections=bench.options.http_connections, tool=tool)[
            "requests"
        ]
    workers = {pid: servers.memory_kib(pid) for pid in gunicorn.worker_pids()}
    peak = max(values["VmHWM"] for values in workers.values())
    return {
        "requests": done,
        "url": url.split(str(gunicorn.port), 1)[1],
        "workers": [
            {
                "pid": pid,
                "rss_at_start_kib": booted.get(pid),
                "rss_kib": v["VmRSS"],
                "peak_rss_kib": v["VmHWM"],
            }
            for pid, v in workers.items()
        ],
        "peak_rss_mib": round(peak / 1024, 1),
        "note": "peak_rss_mib: the larger worker's peak (VmHWM); gunicorn ran without --max-requests "
        "(production recycles a worker after ~2000 requests)",
    }


# --- workflow cases ---------------------------------------------------------------------------------------

PDF_BYTES = (  # one page, with its cross-reference table (the upload check refuses a damaged PDF)
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def draft_application() -> tuple:
    """A complete draft (its required documents uploaded) on the workflow database, its applicant,
    and a secretariat member (a recipient of the submission's e-mails)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts import roles
    from workflows import services

    users = get_user_model().objects
    tag = uuid.uuid4().hex[:8]
    applicant = users.create_user(
        username=f"applicant-{tag}@bench.example", email=f"applicant-{tag}@bench.example"
    )
    secretariat = users.create_user(
        username=f"secretariat-{tag}@bench.example",
        email=f"secretariat-{tag}@bench.example",
        is_staff=True,
    )
    secretariat.groups.add(Group.objects.get_or_create(name=roles.SECRETARIAT)[0])
    application = services.application_create(
        applicant=applicant,
        data={
            "name": f"Université de Bench {tag}",
            "acronym": "UB",
            "country": "KE",
            "city": "Nairobi",
            "website": "https://ub.example.org",
            "email": "office@ub.example.org",
            "founded_year": 1990,
            "students_represented": 12_000,
            "kind": "national_union",
            "motivation": "We represent the students of our country.",
        },
    )
    for kind in settings.WORKFLOW_REQUIRED_DOCUMENT_KINDS:
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, content_type="application/pdf")
        services.document_add(application=application, actor=applicant, kind=kind, upload=upload)
    return application, applicant, secretariat


@dataclass
class Workflow:
    """An application on the workflow database, moved back and forth: submitted ⇄ info_requested."""

    application: object
    applicant: object
    secretariat: object

    @classmethod
    def prepare(cls) -> "Workflow":
        from workflows import services

        application, applicant, secretariat = draft_application()
        application = services.application_submit(application=application, actor=applicant)
        return cls(application=application, applicant=applicant, secretariat=secretariat)

    def transition(self) -> None:
        """request_info when submitted, resubmit when information was requested: one service call."""
        from workflows import services
        from workflows.models import ApplicationState

        if self.application.state == ApplicationState.SUBMITTED:
            self.application = services.application_request_info(
                application=self.application,
                actor=self.secretariat,
                comment="Please send your statutes in English.",
            )
        else:
            self.application = services.application_resubmit(
                application=self.application, actor=self.applicant
            )


class Submission:
    """``submit`` of one draft, again and again, against the same writes as raw SQL.

    Before each timed call (untimed) the application goes back to its draft. The service's call:
    lock, permission and guards, the FSM, save, the log row, the outbox rows (recipients, existing
    keys, insert, read back), commit, the on-commit publish. The minimal one, in one transaction
    through the same connection: the UPDATE of the row, one INSERT of the log row, one INSERT of
    the outbox rows, with the columns the service wrote on its first call (``capture``)."""

    def __init__(self):
        self.application, self.applicant, _secretariat = draft_application()
        self.log_row: dict = {}
        self.outbox_rows: list[dict] = []
        self.publish_seconds: list[float] = []  # each timed submit's publish after its commit

    def publish_timed(self):
        """A context in which each publish of the outbox's messages after a commit is timed into
        ``publish_seconds`` (the service's share that the minimal has no counterpart of)."""
        from notifications.tasks import deliver_notification

        task = deliver_notification._get_current_object()
        publish = task._publish_or_log

        def timed(*args):
            started = time.perf_counter()
            try:
                publish(*args)
            finally:
                self.publish_seconds.append(time.perf_counter() - started)

        return mock.patch.object(task, "_publish_or_log", timed)

    def publish_details(self) -> dict:
        from .stats import median

        if not self.publish_seconds:
            return {}
        return {"publish_after_commit_ms": round(median(self.publish_seconds) * 1000, 3)}

    def reset(self) -> None:
        from django.db import connection

        model = type(self.application)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET state = %s, submitted_at = NULL "
                "WHERE id = %s",
                ["draft", self.application.pk],
            )
        self.application.refresh_from_db()

    def submit(self) -> None:
        from workflows import services

        self.application = services.application_submit(application=self.application, actor=self.applicant)

    def capture(self) -> None:
        """One submit through the service; keep the columns of the log row and outbox rows it wrote."""
        from django.db.models import Max
        from django_fsm_log.models import StateLog

        from notifications.models import Notification

        last_log = StateLog.objects.aggregate(last=Max("pk"))["last"] or 0
        last_outbox = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        self.reset()
        self.submit()
        self.log_row = StateLog.objects.filter(pk__gt=last_log).values(*insert_columns(StateLog)).get()
        self.outbox_rows = list(
            Notification.objects.filter(pk__gt=last_outbox)
            .order_by("pk")
            .values(*insert_columns(Notification))
        )
        if not self.outbox_rows:
            raise RuntimeError("submit wrote no outbox row")

    def timed_submit(self) -> float:
        self.reset()
        started = time.perf_counter()
        self.submit()
        return time.perf_counter() - started

    def timed_minimal(self) -> float:
        """The service's writes as three statements in one transaction."""
        from django.db import connection, transaction
        from django.utils import timezone
        from django_fsm_log.models import StateLog

        from notifications.models import Notification

        self.reset()
        table = connection.ops.quote_name(type(self.application)._meta.db_table)
        started = time.perf_counter()
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET state = %s, submitted_at = %s, updated_at = %s WHERE id = %s",
                ["submitted", now, now, self.application.pk],
            )
            cursor.execute(*insert_statement(connection, StateLog, [{**self.log_row, "timestamp": now}]))
            key = uuid.uuid4().hex
            rows = [
                {**row, "idempotency_key": f"{key}-{n}", "created_at": now}
                for n, row in enumerate(self.outbox_rows)
            ]
            cursor.execute(*insert_statement(connection, Notification, rows))
        return time.perf_counter() - started


def insert_columns(model) -> list[str]:
    """The attnames of ``model``'s concrete fields but its primary key: what an INSERT writes."""
    return [field.attname for field in model._meta.concrete_fields if not field.primary_key]


def insert_statement(connection, model, rows: list[dict]) -> tuple[str, list]:
    """One ``INSERT INTO <table> (<columns>) VALUES (...), (...)`` of ``rows`` (attname → value) and its
    parameters; JSON fields' values as JSON text."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        json.dumps(row[field.attname]) if field.get_internal_type() == "JSONField" else row[field.attname]
        for row in rows
        for field in fields
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(rows))}", params


def submission_case(bench: Bench, queries: dict) -> None:
    """transition_vs_minimal: ``submit`` through the service against its writes as raw SQL."""
    from django.db import connection

    submission = Submission()
    submission.capture()
    executed: list[str] = []

    def record(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    submission.reset()
    with connection.execute_wrapper(record):
        submission.submit()
    queries["transition:submit"] = {"measured": len(executed), "pinned": None}

    def profile() -> None:
        for _ in range(max(50, bench.options.inner * 5)):
            submission.reset()
            submission.submit()

    broker = "Redis" if os.environ.get("REDIS_URL") else "kombu's in-memory transport"
    seconds, inner = bench.options.sample_seconds, bench.options.inner
    service = Batch(submission.timed_submit, seconds=seconds, most=inner)
    minimal = Batch(submission.timed_minimal, seconds=seconds, most=inner)
    with submission.publish_timed():
        bench.measure(
            "transition_vs_minimal",
            Case(
                "transition_vs_minimal/service",
                "workflows.services.application_submit of a complete draft (lock, rules, FSM, save, log row, "
                f"{len(submission.outbox_rows)} outbox rows, commit, on-commit publish to {broker}); a round's median",
                "ms",
                service,
                details=lambda: {**service.details(), **submission.publish_details()},
            ),
            Case(
                "transition_vs_minimal/minimal",
                f"the same writes as raw SQL in one transaction: UPDATE of the row, INSERT of the log row, INSERT "
                f"of the {len(submission.outbox_rows)} outbox rows; a round's median",
                "ms",
                minimal,
                details=minimal.details,
            ),
            rounds=bench.options.rounds,
            profile=profile,
        )


def notify_case(bench: Bench, server: Server, workflow: Workflow, redis_url: str) -> None:
    """Measure notify_latency: a committed transition until its delivery task starts on a Celery worker,
    against a bare hand-off between two processes through the same Redis.

    Starts the Redis echo and the Celery worker, waits until both are ready, measures, then stops
    them and deletes the bench's Redis keys (also before starting, and when a step fails)."""
    probe = NotifyProbe(bench, server, workflow, redis_url)
    inner = bench.options.latency_inner
    probe.purge()
    try:
        probe.start()
        bench.measure(
            "notify_latency",
            Case(
                "notify_latency/transition_to_task",
                "commit of a transition → deliver_notification starts (task_prerun) on a Celery worker "
                f"subprocess (prefork, 2), via Redis; median of {inner}",
                "ms",
                lambda: batch_ms(probe.one_notification, inner),
                details=probe.breakdown,
            ),
            Case(
                "notify_latency/redis_handoff",
                f"LPUSH → BRPOP between two processes on the same Redis; median of {inner}",
                "ms",
                lambda: batch_ms(probe.one_handoff, inner),
            ),
            rounds=bench.options.latency_rounds,
        )
    finally:
        probe.stop()


BLOCKING_READ_SECONDS = 120


class NotifyProbe:
    """The processes of notify_latency and what they report, under one Redis key prefix.

    The Celery worker (``bench.worker``) pushes ``<prefix>:started`` and ``<prefix>:finished``
    entries for each delivery task; the Redis echo (``bench.handoff``) answers ``<prefix>:ping``
    with a timestamp on ``<prefix>:pong``; both push ``<prefix>:<name>-ready`` once started."""

    def __init__(self, bench: Bench, server: Server, workflow: Workflow, redis_url: str):
        import redis
        from django.conf import settings

        from . import servers

        self.workflow = workflow
        # Its waits block for up to 90 s: longer than redis-py's default read timeout (5 s in redis-py 8).
        self.client = redis.Redis.from_url(redis_url, socket_timeout=BLOCKING_READ_SECONDS)
        self.prefix = f"bench:{uuid.uuid4().hex[:12]}"
        self.queue = settings.BENCH_NOTIFICATIONS_QUEUE
        env = servers.django_env(
            database_url=server.url_for(server.name("workflow")),
            redis_url=redis_url,
            BENCH_REDIS_PREFIX=self.prefix,
            LOG_LEVEL="WARNING",
        )
        self.worker = servers.CeleryWorker(
            env=env, log_dir=bench.log_dir, hostname=f"bench-{self.prefix[-12:]}@localhost", queue=self.queue
        )
        self.echo = servers.RedisEcho(env=env, log_dir=bench.log_dir)
        self.to_message_ms: list[float] = []
        self.message_to_task_ms: list[float] = []
        self.publish_ms: list[float] = []

    def purge(self) -> None:
        """Delete the prefix's keys and the bench queue's messages."""
        client = self.client
        for key in [*client.scan_iter(f"{self.prefix}:*"), *client.scan_iter(f"{self.queue}*")]:
            client.delete(key)

    def start(self) -> None:
        """Start the echo and the worker; wait up to 90 s for each to say it is ready."""
        self.echo.start()
        self.worker.start()
        for what, key, process in (
            ("Celery worker", "worker-ready", self.worker),
            ("Redis echo", "echo-ready", self.echo),
        ):
            if self.client.blpop([f"{self.prefix}:{key}"], timeout=90) is None:
                process.check_alive()
                raise TimeoutError(f"the {what} did not start within 90 s; see {process.log_path}")

    def stop(self) -> None:
        """Tell the echo to stop, stop both processes, delete the keys."""
        with contextlib.suppress(Exception):
            self.client.lpush(f"{self.prefix}:ping", b"stop")
        self.worker.stop()
        self.echo.stop()
        self.purge()

    def one_notification(self) -> float:
        """Commit a transition; return the seconds until its delivery task starts on the worker."""
        import orjson

        committed, first_message, new = self._commit_transition()
        self._wait_for_deliveries(new)
        client = self.client
        starts = [orjson.loads(raw) for raw in client.lrange(f"{self.prefix}:started", 0, -1)]
        client.delete(f"{self.prefix}:started")
        started = min(entry["t"] for entry in starts if entry["id"] in new)
        self.to_message_ms.append((first_message - committed[0]) * 1000)
        self.message_to_task_ms.append((started - first_message) * 1000)
        self.publish_ms.append((committed[1] - committed[0]) * 1000)
        return started - committed[0]

    def _commit_transition(self) -> tuple[list[float], float, set[int]]:
        """One transition in its own transaction: the monotonic times of its commit and of the end of
        its on-commit work (the publish), the time its first message was built (Celery's
        ``before_task_publish``, just before kombu sends it), and the ids of the outbox rows it wrote."""
        from celery.signals import before_task_publish
        from django.db import transaction
        from django.db.models import Max

        from notifications.models import Notification

        before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        committed: list[float] = []
        messages: list[float] = []

        def message_built(**kwargs) -> None:
            messages.append(time.monotonic())

        before_task_publish.connect(message_built, weak=False)
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.monotonic()))  # runs first, at the commit
                self.workflow.transition()
                transaction.on_commit(lambda: committed.append(time.monotonic()))  # runs last: published
        finally:
            before_task_publish.disconnect(message_built)
        new = set(Notification.objects.filter(pk__gt=before).values_list("pk", flat=True))
        if not new or not messages:
            raise RuntimeError("the transition wrote no outbox row, or published none")
        return committed, messages[0], new

    def _wait_for_deliveries(self, new: set[int]) -> None:
        """Wait (30 s at most for each) until the worker has finished every delivery of ``new``,
        so that it is idle for the next transition."""
        import orjson

        waiting = set(new)
        while waiting:
            item = self.client.blpop([f"{self.prefix}:finished"], timeout=30)
            if item is None:
                self.worker.check_alive()
                raise TimeoutError(
                    f"the delivery tasks did not finish within 30 s; see {self.worker.log_path}"
                )
            waiting.discard(orjson.loads(item[1])["id"])

    def breakdown(self) -> dict:
        """The medians of the two parts of a notification's latency, for the case's JSON entry: in the
        committing process until Celery has built the first message, then kombu's send, Redis and
        the worker until the task starts. The third, the whole on-commit publish of all the
        transaction's messages, ends after the task started: the worker's wake-ups take the cores
        from the sender before its LPUSH returns."""
        from .stats import median, rounded

        return {
            "breakdown_median_ms": {
                "commit_to_first_message": rounded(median(self.to_message_ms)),
                "first_message_to_task_start": rounded(median(self.message_to_task_ms)),
                "commit_to_all_published": rounded(median(self.publish_ms)),
            }
        }

    def one_handoff(self) -> float:
        """LPUSH a ping, BRPOP the echo's pong: the seconds until the echo read it."""
        sent = time.monotonic()
        self.client.lpush(f"{self.prefix}:ping", b"x")
        item = self.client.brpop([f"{self.prefix}:pong"], timeout=30)
        if item is None:
            self.echo.check_alive()
            raise TimeoutError("the Redis echo did not answer within 30 s")
        return float(item[1]) - sent


def purge_publishes(redis_url: str) -> None:
    """Drop the messages a case published to the bench's own queue (nobody consumed them): the
    transitions' deliveries, the sign-ups' account e-mails."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{settings.BENCH_NOTIFICATIONS_QUEUE}*"):
        client.delete(key)


# --- sign-up -------------------------------------------------------------------------------------------------

SIGNUP_PASSWORD = "correct horse battery staple"
SIGNUP_KNOWN = "known-{tag}@bench.example"


class SignUp:
    """Sign-ups through allauth's form on the workflow database: with an address that has an account
    (answered "check your e-mail", the owner e-mailed instead) and with a new address each time.

    Django's test client in this process, production's password hasher (PBKDF2: the suite's
    settings use a fast one), allauth's rate limits off (a known address is e-mailed at most once in
    3 minutes otherwise, so its later sign-ups would do less). Both answer the same redirect."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        self.tag = uuid.uuid4().hex[:8]
        self.known = SIGNUP_KNOWN.format(tag=self.tag)
        self.counter = 0
        get_user_model().objects.create_user(username=self.known, email=self.known, password=SIGNUP_PASSWORD)

    def _sign_up(self, email: str) -> float:
        from django.conf import settings
        from django.test import Client, override_settings

        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        data = {
            "name": "Amani Otieno",
            "email": email,
            "password1": SIGNUP_PASSWORD,
            "password2": SIGNUP_PASSWORD,
        }
        with override_settings(ACCOUNT_RATE_LIMITS=False):
            started = time.perf_counter()
            response = client.post("/accounts/signup/", data, secure=True)
            elapsed = time.perf_counter() - started
        if response.status_code != 302 or response["Location"] != "/accounts/confirm-email/":
            raise RuntimeError(
                f"sign-up with {email} answered {response.status_code} {response.get('Location')!r}, "
                "not the redirect to /accounts/confirm-email/"
            )
        if settings.PASSWORD_HASHERS[0] != "django.contrib.auth.hashers.PBKDF2PasswordHasher":
            raise RuntimeError(
                f"the bench's first password hasher is {settings.PASSWORD_HASHERS[0]}, not PBKDF2"
            )
        return elapsed

    def timed_known(self) -> float:
        return self._sign_up(self.known.upper())

    def timed_new(self) -> float:
        self.counter += 1
        return self._sign_up(f"new-{self.tag}-{self.counter}@bench.example")

    def check_hashed(self) -> None:
        """The new accounts' passwords were hashed with PBKDF2, as production's are."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import identify_hasher

        user = get_user_model().objects.get(email=f"new-{self.tag}-1@bench.example")
        if identify_hasher(user.password).algorithm != "pbkdf2_sha256":
            raise RuntimeError(
                f"a new account's password was hashed with {identify_hasher(user.password).algorithm}"
            )


def signup_case(bench: Bench) -> None:
    """signup_known_vs_new: a sign-up with an address that has an account against one with a new address."""
    signup = SignUp()
    seconds, inner = bench.options.sample_seconds, bench.options.inner
    known = Batch(signup.timed_known, seconds=seconds, most=inner)
    new = Batch(signup.timed_new, seconds=seconds, most=inner)
    what = "POST /accounts/signup/ (Django's test client, in-process, PBKDF2, rate limits off) with"
    bench.measure(
        "signup_known_vs_new",
        Case(
            "signup_known_vs_new/known",
            f"{what} an address that has an account; a round's median",
            "ms",
            known,
            details=known.details,
        ),
        Case(
            "signup_known_vs_new/new",
            f"{what} a new address each time; a round's median",
            "ms",
            new,
            details=new.details,
        ),
        rounds=bench.options.rounds,
    )
    signup.check_hashed()


# --- import timing -------------------------------------------------------------------------------------------


def import_timing(bench: Bench, server: Server, admin, *, size: int, template_rebuilt: bool) -> dict:
    from django.core.management import get_commands
    from django.db import transaction

    from . import data, databases

    csv_path = bench.log_dir / f"organizations-{size}-v{data.DATA_VERSION}.csv"
    if template_rebuilt or not csv_path.exists():
        bench.log(f"import: writing {csv_path.name}")
        data.write_organizations_csv(csv_path, size, alias="default")
    columns = csv_path.open(encoding="utf-8").readline().strip().split(",")
    name = server.name("import")
    result: dict = {"organizations": size, "csv_bytes": csv_path.stat().st_size}
    csv_commands = sorted(command for command in get_commands() if "csv" in command)
    result["csv_import_command"] = (
        f"found {', '.join(csv_commands)}: not measured (the bench does not know its arguments)"
        if csv_commands
        else "no CSV import command"
    )
    try:
        databases.create(admin, name, template=server.name("template"))
        started = time.perf_counter()
        with transaction.atomic(using="bench_import"):
            copied = data.copy_csv("bench_import", csv_path, columns)
        elapsed = time.perf_counter() - started
        result["copy"] = {
            "rows": copied,
            "seconds": round(elapsed, 2),
            "rows_per_second": round(copied / elapsed),
            "how": "psycopg 3 cursor.copy(COPY registry_organization FROM STDIN csv) into a migrated database "
            "with its indexes, one transaction",
        }
        bench.log(f"import: COPY of {copied} organizations in {elapsed:.1f} s")
        if bench.options.json_import:
            result["json_import_registry"] = json_import_timing(bench, server, name, size)
    finally:
        databases.release("bench_import")
        databases.drop(admin, name)
    return result


JSON_IMPORT_TIMEOUT = 1200


def json_import_timing(bench: Bench, server: Server, import_database: str, size: int) -> dict:
    """``manage.py export_registry`` of the large data set, then ``import_registry --replace`` of it, timed."""
    from . import servers

    path = bench.log_dir / f"registry-{size}.json"
    source = servers.django_env(
        database_url=server.url_for(server.name(size_label(size))), LOG_LEVEL="WARNING"
    )
    subprocess.run(
        [sys.executable, "manage.py", "export_registry", "--output", str(path)],
        cwd=ROOT,
        env=source,
        check=True,
        capture_output=True,
        timeout=900,
    )
    target = servers.django_env(database_url=server.url_for(import_database), LOG_LEVEL="WARNING")
    json_bytes = path.stat().st_size
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            [sys.executable, "manage.py", "import_registry", str(path), "--replace"],
            cwd=ROOT,
            env=target,
            capture_output=True,
            text=True,
            timeout=JSON_IMPORT_TIMEOUT,
            check=False,
        )
        status, output = completed.returncode, (completed.stdout or completed.stderr).strip()[-500:]
    except subprocess.TimeoutExpired:
        status, output = None, f"stopped after {JSON_IMPORT_TIMEOUT} s"
    finally:
        path.unlink()
    elapsed = time.perf_counter() - started
    bench.log(f"import: manage.py import_registry of {size} organizations: {elapsed:.1f} s ({output[-80:]})")
    return {
        "seconds": round(elapsed, 2),
        "exit_status": status,
        "output": output,
        "json_bytes": json_bytes,
        "note": "whole command, Python start-up included; regions, memberships and history as the command does",
    }


# --- profiles -----------------------------------------------------------------------------------------------


def write_profiles(bench: Bench) -> dict[str, str]:
    try:
        from pyinstrument import Profiler
    except ImportError:
        bench.log("profiles: pyinstrument is not installed (pip install -e '.[dev]')")
        return {}
    paths = {}
    for ratio_id, run in bench.misses.items():
        profiler = Profiler(interval=0.0005)
        profiler.start()
        run()
        profiler.stop()
        path = bench.log_dir / f"profile-{ratio_id}.txt"
        path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        paths[ratio_id] = str(path.relative_to(ROOT))
        bench.log(f"profile of {ratio_id}: {paths[ratio_id]}")
    return paths


# --- meta --------------------------------------------------------------------------------------------------------


def git_info() -> dict:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        )
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def versions(redis_url: str, wrk: str | None) -> dict:
    from importlib.metadata import version

    import django
    import psycopg
    from django.db import connection

    found = {"python": platform.python_version(), "django": django.get_version()}
    for package in ("djangorestframework", "psycopg", "orjson", "gunicorn", "celery", "redis"):
        found[package if package != "redis" else "redis-py"] = version(package)
    found["libpq"] = str(psycopg.pq.version())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        found["postgresql"] = cursor.fetchone()[0]
    if redis_url:
        import redis

        with contextlib.suppress(redis.RedisError):
            found["redis"] = redis.Redis.from_url(redis_url, socket_connect_timeout=2).info("server")[
                "redis_version"
            ]
    found["wrk"] = wrk
    return found


# --- main ------------------------------------------------------------------------------------------------------


def run(options: argparse.Namespace) -> tuple[dict, int]:
    """Prepare the databases and Django, measure what ``options`` selects, and build the JSON document.

    Returns the document and the exit status: 0 when every ratio passes and none was skipped, else 1."""
    server = Server.from_environment()
    bench = Bench(options, log_dir=log_dir(server))
    point_django_at(server, options)
    redis_url = os.environ.get("REDIS_URL", "")
    start_django(bench.log_dir)

    from . import databases
    from .client import WSGIClient

    load_start = os.getloadavg()
    admin = server.admin()
    template_rebuilt, rebuilt = prepare_databases(bench, server, admin)
    tool, wrk = choose_load_generator(options.load_generator)
    client = WSGIClient()
    collect_static(bench.log)
    small, large = data_sets(client, options)
    queries: dict = {}
    memory = imported = None

    in_process_cases(bench, client, small, large, queries)
    if bench.wanted("csv_export_memory"):
        csv_memory_case(bench, server, small, large)
    if any(bench.wanted(name) for name in ("http_api_vs_raw", "http_cached_vs_bare", "memory")):
        memory = http_cases(bench, server, large, tool=tool, client=client)
    if bench.wanted("replica_offload"):
        replica_cases(bench, server, large, tool=tool)
    if bench.wanted("signup_known_vs_new"):
        signup_case(bench)
        if redis_url:
            purge_publishes(redis_url)
    if bench.wanted("transition_vs_minimal"):
        submission_case(bench, queries)
        if redis_url:
            purge_publishes(redis_url)
    if bench.wanted("notify_latency"):
        workflow_cases(bench, server, queries, redis_url)
    if bench.wanted("import"):
        imported = import_timing(bench, server, admin, size=options.large, template_rebuilt=template_rebuilt)
    if bench.wanted("import_vs_copy") or bench.wanted("csv_import"):
        from .imports import import_cases

        import_cases(bench, server, admin, rebuilt=template_rebuilt or rebuilt[size_label(options.large)])

    profiles = write_profiles(bench) if options.profile and bench.misses else {}
    document = {
        "meta": run_meta(
            bench,
            server,
            small,
            large,
            load_start=load_start,
            rebuilt={"template": template_rebuilt, **rebuilt},
            tool=tool,
            wrk=wrk,
            redis_url=redis_url,
        ),
        "cases": bench.cases,
        "ratios": bench.ratios,
        "queries": queries,
        **optional_sections(memory=memory, imported=imported, profiles=profiles, skipped=bench.skipped),
    }
    databases.release("default")
    databases.drop(admin, server.name("workflow"))
    admin.close()
    every_pass = all(r["status"] == "pass" for r in bench.ratios) and not bench.skipped
    return document, 0 if every_pass else 1


def point_django_at(server: Server, options: argparse.Namespace) -> None:
    """Set the environment ``bench.settings`` reads: the bench's database aliases, the workflow
    database as ``default``, and the settings module itself."""
    small_label, large_label = size_label(options.small), size_label(options.large)
    aliases = {
        "bench_template": {"NAME": server.name("template"), "POOL": False},
        f"bench_{small_label}": {"NAME": server.name(small_label)},
        f"bench_{large_label}": {"NAME": server.name(large_label)},
        "bench_import": {"NAME": server.name("import"), "POOL": False},
    }
    if grown_feed(options):
        from .databases import feed_database

        aliases[FEED_ALIAS] = {"NAME": feed_database(server, options.large, options.feed_events)}
    os.environ["BENCH_DATABASES"] = json.dumps(aliases)
    os.environ["DATABASE_URL"] = server.url_for(server.name("workflow"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


FEED_ALIAS = "bench_feed"


def grown_feed(options: argparse.Namespace) -> bool:
    """Whether feed_page's large side reads a copy of the large data set with its feed grown."""
    return options.feed_events > 0 and "feed_page" in options.selected


def start_django(log_dir: Path) -> None:
    """``django.setup()``, then send the request log lines to ``<log_dir>/app.log``, not the terminal."""
    import django

    django.setup()
    app_log = (log_dir / "app.log").open("w")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(app_log)


def prepare_databases(bench: Bench, server: Server, admin) -> tuple[bool, dict[str, bool]]:
    """The template, each size's data set (reused when current) and a fresh workflow database.

    Returns whether the template was rebuilt, and whether each data set was (by size label)."""
    from . import databases

    options = bench.options
    template_rebuilt = databases.prepare_template(
        server, admin, "bench_template", bench.log, rebuild=options.rebuild
    )
    rebuilt = {}
    for size in (options.small, options.large):
        rebuilt[size_label(size)] = databases.prepare_dataset(
            server,
            admin,
            f"bench_{size_label(size)}",
            size,
            bench.log,
            rebuild=options.rebuild,
        )
    if grown_feed(options):
        rebuilt["feed"] = databases.prepare_feed_dataset(
            server,
            admin,
            FEED_ALIAS,
            source_alias=f"bench_{size_label(options.large)}",
            size=options.large,
            events=options.feed_events,
            log=bench.log,
            rebuild=options.rebuild or rebuilt[size_label(options.large)],
        )
    databases.create(admin, server.name("workflow"), template=server.name("template"))
    return template_rebuilt, rebuilt


def choose_load_generator(tool: str) -> tuple[str, str | None]:
    """``--load-generator`` resolved: ``("wrk", its version)`` or ``("python", None)``.

    ``auto`` takes wrk when it is installed; ``wrk`` without it is a ``BenchSetupError``."""
    wrk = None
    if tool in ("auto", "wrk"):
        from .servers import wrk_path, wrk_version

        wrk = wrk_version() if wrk_path() else None
        if wrk is None and tool == "wrk":
            raise BenchSetupError("--load-generator wrk, but wrk is not installed (apt-get install wrk)")
        tool = "wrk" if wrk else "python"
    return tool, wrk


def data_sets(client, options: argparse.Namespace) -> tuple[DataSet, DataSet]:
    """The small and the large data set: their requests, row counts, and how many rows each request
    answers (after checking that the raw and naive views answer what the endpoint answers). With a
    grown feed (``--feed-events``), the large set's ``feed_page`` is read from its copy: ``large.feed``."""
    from .data import counts

    sets = {}
    for size in (options.small, options.large):
        alias = f"bench_{size_label(size)}"
        urls = api_urls(alias)
        pages = page_requests(alias)
        results = check_same_results(client, alias, urls)
        sets[size] = DataSet(
            size=size,
            alias=alias,
            urls=urls,
            rows=counts(alias).__dict__,
            results=results,
            pages=pages,
            page_results=check_pages(client, alias, pages),
        )
    large = sets[options.large]
    if grown_feed(options):
        urls = api_urls(FEED_ALIAS)
        results = check_same_results(client, FEED_ALIAS, urls)
        large.feed = DataSet(
            size=options.large, alias=FEED_ALIAS, urls=urls, rows=feed_counts(FEED_ALIAS), results=results
        )
    return sets[options.small], large


def feed_counts(alias: str) -> dict:
    from registry import feed

    from .data import counts
    from .routing import using_database

    with using_database(alias):
        return {**counts(alias).__dict__, "events": feed.last_seq()}


def workflow_cases(bench: Bench, server: Server, queries: dict, redis_url: str) -> None:
    """notify_latency on one application of the workflow database, moved back and forth; it needs
    ``REDIS_URL`` (a real Celery worker through Redis) and is skipped without. The transitions'
    query counts go to ``queries``."""
    from django.db import connection

    workflow = Workflow.prepare()
    for label in ("request_info", "resubmit"):
        executed: list[str] = []

        def record(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            workflow.transition()
        queries[f"transition:{label}"] = {"measured": len(executed), "pinned": None}
    if redis_url:
        notify_case(bench, server, workflow, redis_url)
    else:
        bench.skip("notify_latency", "needs REDIS_URL (a real Celery worker through Redis)")


def run_meta(
    bench: Bench,
    server: Server,
    small: DataSet,
    large: DataSet,
    *,
    load_start: tuple[float, float, float],
    rebuilt: dict[str, bool],
    tool: str,
    wrk: str | None,
    redis_url: str,
) -> dict:
    """The document's ``meta``: the code, the versions, the machine, the data, the settings of the run."""
    options = bench.options
    return {
        "git": git_info(),
        "versions": versions(redis_url, wrk),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_average": {
            "start": [round(x, 2) for x in load_start],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "rows": {
            **{size_label(s.size): s.rows for s in (small, large)},
            **({"feed": large.feed.rows} if large.feed else {}),
        },
        "databases": {
            "server": server.address,
            **{size_label(s.size): server.name(size_label(s.size)) for s in (small, large)},
            "rebuilt": rebuilt,
        },
        "settings": "bench.settings: config.settings with DEBUG off, throttling off, bench URLs added",
        "load_generator": f"wrk {wrk}" if tool == "wrk" else "python (bench.load)",
        "rounds": {
            "in_process": options.rounds,
            "in_process_sample_seconds": options.sample_seconds,
            "in_process_calls_per_round_at_most": options.inner,
            "http": options.http_rounds,
            "http_seconds": options.http_seconds,
            "latency": options.latency_rounds,
            "latency_calls_per_round": options.latency_inner,
            "memory": options.memory_rounds,
        },
        "seed": options.seed,
        "duration_seconds": round(time.monotonic() - bench.started, 1),
    }


def optional_sections(*, memory: dict | None, imported: dict | None, profiles: dict, skipped: list) -> dict:
    """The document's sections that only some runs have, in their order: memory, import, profiles, skipped."""
    sections: dict = {}
    if memory is not None:
        sections["memory"] = memory
    if imported is not None:
        sections["import"] = imported
    if profiles:
        sections["profiles"] = profiles
    if skipped:
        sections["skipped"] = skipped
    return sections


def log_dir(server: Server) -> Path:
    """var/bench/<database name>/: the processes' logs, profiles, the CSV file; one run at a time."""
    path = ROOT / "var" / "bench" / server.base_name
    path.mkdir(parents=True, exist_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        server = Server.from_environment()
    except BenchSetupError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    with open(log_dir(server) / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"bench: another `python -m bench` is running on {server.base_name}_*", file=sys.stderr)
            return 2
        try:
            document, status = run(options)
        except BenchSetupError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
        except Exception:
            traceback.print_exc()
            print("bench: failed (see above); nothing was written", file=sys.stderr)
            return 2
    text = json.dumps(document, indent=2, ensure_ascii=False)
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return status
