"""README "Security" names, for each protection, the code that gives it and the tests that prove it:
each file it names exists, and each protection names at least one test file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def security_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]


def test_every_protection_names_its_code_and_a_test_that_exists():
    rows = [line for line in security_section().splitlines() if line.startswith("| **")]

    assert len(rows) >= 6
    for row in rows:
        _what, where, proved_by = row.strip("|").rsplit("|", 2)
        code = re.findall(r"`([\w/]+\.py)`", where)
        tests = re.findall(r"`(tests/[\w/]+\.py)`", proved_by)
        assert code, row
        assert tests, row
        for path in code + tests:
            assert (ROOT / path).is_file(), path
