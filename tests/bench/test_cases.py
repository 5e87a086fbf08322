"""The benchmark's own helpers: the raw INSERTs of transition_vs_minimal, the same-results check,
the peak memory reset of csv_export_memory. No timing is asserted."""

import json
import sys

import pytest

from bench import csv_memory
from bench.runner import SAME_RESULTS, check_same_results, insert_columns, insert_statement
from notifications.models import Notification


class QuotingConnection:
    class ops:
        @staticmethod
        def quote_name(name: str) -> str:
            return f'"{name}"'


def test_an_insert_writes_every_column_but_the_key_once_per_row():
    columns = insert_columns(Notification)
    rows = [dict.fromkeys(columns, "x") | {"context": {"n": n}} for n in range(2)]

    sql, params = insert_statement(QuotingConnection, Notification, rows)

    assert "id" not in columns
    assert "idempotency_key" in columns
    assert sql.startswith(f'INSERT INTO "{Notification._meta.db_table}" (')
    assert sql.count("(%s") == 2
    assert len(params) == 2 * len(columns)
    contexts = [param for param in params if isinstance(param, str) and param.startswith("{")]
    assert [json.loads(context) for context in contexts] == [{"n": 0}, {"n": 1}]


class AnsweringClient:
    """Answers each URL with the JSON page given for it."""

    def __init__(self, pages: dict[str, dict]):
        self.pages = pages

    def get(self, url: str) -> tuple[int, bytes]:
        return 200, json.dumps(self.pages[url]).encode()


def pages(*, raw_results: list) -> dict[str, dict]:
    same = {"next": "https://x/?cursor=a", "previous": None, "results": [{"slug": "a"}]}
    return {
        "first_page": same,
        "naive": same,
        "throughput_page": same,
        "throughput_raw": {**same, "results": raw_results},
    }


def test_the_same_results_check_counts_the_rows_of_each_request():
    urls = {name: name for name in ("first_page", "raw", "naive", "throughput_page", "throughput_raw")}
    answers = pages(raw_results=[{"slug": "a"}])
    answers["raw"] = answers["first_page"]

    counted = check_same_results(AnsweringClient(answers), "default", urls)

    assert set(SAME_RESULTS) <= set(counted)
    assert counted["throughput_raw"] == 1


def test_the_same_results_check_refuses_a_view_that_answers_other_rows():
    urls = {name: name for name in ("first_page", "raw", "naive", "throughput_page", "throughput_raw")}
    answers = pages(raw_results=[{"slug": "b"}])
    answers["raw"] = answers["first_page"]

    with pytest.raises(RuntimeError, match="throughput_raw does not answer the results of throughput_page"):
        check_same_results(AnsweringClient(answers), "default", urls)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/clear_refs is Linux's")
def test_the_peak_memory_goes_back_to_the_current_memory_when_reset():
    block = bytearray(64 * 1024 * 1024)  # touched: resident
    block[::4096] = b"x" * len(block[::4096])
    del block
    before = csv_memory.memory_kib()
    if not csv_memory.reset_peak():
        pytest.skip("this kernel does not allow resetting the peak RSS")
    after = csv_memory.memory_kib()

    assert before["VmHWM"] - before["VmRSS"] >= 48 * 1024
    assert after["VmHWM"] - after["VmRSS"] < 48 * 1024
