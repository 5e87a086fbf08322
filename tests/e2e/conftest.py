"""Browser tests: Playwright's Python API driving Debian's chromium against pytest-django's live server.

Needs /usr/bin/chromium (or CHROMIUM_PATH) and axe-core in node_modules/ (``make e2e-deps``).
Without them the tests skip with the reason; with ``REQUIRE_BROWSER=1`` (as in CI) they fail.
Screenshots and axe results are written to ``test-artifacts/e2e/`` (ignored by git).

Playwright's sync API runs an event loop of its own in this thread, and the live server
answers in another; Django refuses database access from a thread with a running event
loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set, so it is set here, for these tests only.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
# axe impacts that fail a page.
BLOCKING_IMPACTS = {"serious", "critical"}


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM_PATH).is_file() or shutil.which(CHROMIUM_PATH)):
        return f"chromium is not installed at {CHROMIUM_PATH} (apt-get install chromium)"
    if not AXE_PATH.is_file():
        return f"axe-core is not installed at {AXE_PATH.relative_to(ROOT)} (make e2e-deps)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = missing_browser_reason()
    if reason:
        _unavailable(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def e2e_settings(settings):
    """Cookies over plain http to the live server; a cache of this test's own; no two-factor for officers."""
    import uuid

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.OFFICERS_REQUIRE_MFA = False
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return settings


@pytest.fixture
def new_context(browser, live_server, e2e_settings):
    """``new_context(width=1280)``: a fresh browser context (its own cookies) on the live server;
    ``language="ar"`` makes the browser ask for that language (``Accept-Language`` and locale)."""
    contexts = []

    def make(width: int = 1280, height: int = 900, language: str | None = None):
        options = (
            {"locale": language, "extra_http_headers": {"Accept-Language": language}} if language else {}
        )
        # bypass_csp: axe-core is injected as an inline script, which the site's CSP forbids.
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, bypass_csp=True, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def var_mail(settings) -> Path:
    """E-mail as on the embedded defaults the README describes: every message a file in
    ``var/mail/`` of the project (``config.settings.VAR_DIR``), not the tests' memory outbox."""
    from config.settings import VAR_DIR

    path = VAR_DIR / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(path)
    return path


def screenshot(page, name: str) -> Path:
    """The whole page; for a long page also its first screenful (``-top``), readable at a glance."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if page.evaluate("document.documentElement.scrollHeight") > 2 * page.viewport_size["height"]:
        page.screenshot(path=str(ARTIFACTS / f"{name}-top.png"))
    return path


def axe_violations(page, name: str) -> list[dict]:
    """Run axe-core on the page; save every violation as JSON; return the serious and critical ones."""
    page.add_script_tag(path=str(AXE_PATH))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["html"][:200] for n in v["nodes"][:5]],
        }
        for v in results["violations"]
    ]
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps({"url": page.url, "violations": violations}, indent=2)
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
