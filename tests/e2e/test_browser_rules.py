"""The rule for the browser tests: skip with a reason without a browser, fail with REQUIRE_BROWSER=1."""

import pytest

from tests.e2e import conftest


def test_a_missing_chromium_is_named_in_the_reason(monkeypatch):
    monkeypatch.setattr(conftest, "CHROMIUM_PATH", "/nonexistent/chromium")
    assert "chromium is not installed at /nonexistent/chromium" in conftest.missing_browser_reason()


def test_a_missing_axe_core_is_named_in_the_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM_PATH", "/bin/sh")
    monkeypatch.setattr(conftest, "ROOT", tmp_path)
    monkeypatch.setattr(conftest, "AXE_PATH", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    assert "make e2e-deps" in conftest.missing_browser_reason()


def test_without_require_browser_the_tests_skip(monkeypatch):
    monkeypatch.setattr(conftest, "REQUIRE_BROWSER", False)
    with pytest.raises(pytest.skip.Exception, match="no browser here"):
        conftest._unavailable("no browser here")


def test_with_require_browser_the_tests_fail(monkeypatch):
    monkeypatch.setattr(conftest, "REQUIRE_BROWSER", True)
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_BROWSER=1 but no browser here"):
        conftest._unavailable("no browser here")
