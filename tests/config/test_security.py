"""The deployment baseline: `check --deploy` is clean, every page has the security headers,
cookies are secure, request bodies are capped."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
PAGES = ["/", "/directory/", "/healthz", "/admin/login/"]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process: DEBUG off, a real key, a host name, the proxy in
    front and Redis (never reached by `check`), nothing else."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "registry.federation.example",
        "CSRF_TRUSTED_ORIGINS": "https://registry.federation.example",
        "SITE_URL": "https://registry.federation.example",
        "TRUSTED_PROXIES": "127.0.0.1/32",  # nginx on the same host (README "Deployment")
        "REDIS_URL": "redis://redis.internal:6379/0",  # the rate limits' shared cache
        **extra,
    }


# As behind the reverse proxy, which terminates HTTPS (SECURE_PROXY_SSL_HEADER); unlike
# `secure=True`, the test client keeps it on the requests of a followed redirect.
HTTPS = {"X-Forwarded-Proto": "https"}


def parse_csp(header: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_check_deploy_reports_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def deploy_warnings(ids: set[str]) -> list[str]:
    from django.core.checks import run_checks

    return [m.id for m in run_checks(include_deployment_checks=True) if m.id in ids]


def test_check_deploy_warns_when_no_proxy_is_trusted_with_debug_off(settings):
    settings.DEBUG = False
    settings.TRUSTED_PROXIES = []

    assert deploy_warnings({"config.W001"}) == ["config.W001"]


@pytest.mark.parametrize(("debug", "proxies"), [(False, ["127.0.0.1/32"]), (True, [])])
def test_check_deploy_is_quiet_with_a_trusted_proxy_or_debug(settings, debug, proxies):
    settings.DEBUG = debug
    settings.TRUSTED_PROXIES = proxies

    assert deploy_warnings({"config.W001"}) == []


def test_check_deploy_names_trusted_proxies_in_production_when_it_is_empty():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(TRUSTED_PROXIES=""),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "(config.W001) TRUSTED_PROXIES is empty" in result.stderr
    assert "Behind a reverse proxy, set TRUSTED_PROXIES" in result.stderr


def test_without_a_proxy_the_warning_can_be_silenced_from_the_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(TRUSTED_PROXIES="", SILENCED_SYSTEM_CHECKS="config.W001"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(1 silenced)" in result.stdout


def manage_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_a_cache_per_process_without_redis():
    env = production_env()
    del env["REDIS_URL"]

    result = manage_check(env)

    assert result.returncode != 0
    assert "(config.E001) The default cache (LocMemCache) is not shared between processes" in result.stderr
    assert "Set REDIS_URL" in result.stderr
    assert "ALLOW_LOCAL_CACHE=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_single_process_deployment_may_keep_the_cache_in_memory():
    env = production_env(ALLOW_LOCAL_CACHE="1")
    del env["REDIS_URL"]

    result = manage_check(env)

    assert result.returncode == 0, result.stdout + result.stderr


def cache_errors() -> list[str]:
    from django.core.checks import run_checks

    return [m.id for m in run_checks() if m.id == "config.E001"]


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize(
    ("backend", "refused"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.dummy.DummyCache", True),
        ("django.core.cache.backends.redis.RedisCache", False),
        ("django.core.cache.backends.db.DatabaseCache", False),
    ],
)
def test_the_cache_check_refuses_process_local_caches_only(settings, backend, refused):
    settings.DEBUG = False
    settings.ALLOW_LOCAL_CACHE = False
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "127.0.0.1:1"}}

    assert cache_errors() == (["config.E001"] if refused else [])


@pytest.mark.parametrize(("debug", "allow"), [(True, False), (False, True)])
def test_the_cache_check_allows_memory_with_debug_or_the_opt_out(settings, debug, allow):
    settings.DEBUG = debug
    settings.ALLOW_LOCAL_CACHE = allow
    settings.CACHES = LOCMEM

    assert cache_errors() == []


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_security_headers(client, regions, url):
    response = client.get(url, headers=HTTPS, follow=True)

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP


@pytest.mark.parametrize("url", PAGES)
def test_no_page_allows_inline_script(client, regions, url):
    response = client.get(url, headers=HTTPS, follow=True)

    csp = parse_csp(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    if "text/html" in response["Content-Type"]:
        html = response.content.decode()
        assert "<script>" not in html
        assert " onclick=" not in html


def test_admin_login_leads_to_the_account_login_with_the_headers(client):
    response = client.get("/admin/login/", headers=HTTPS, follow=True)

    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Content-Security-Policy" in response


def test_csrf_cookie_is_secure(client):
    response = client.get("/accounts/login/", secure=True)

    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_session_cookie_is_secure_and_http_only(client):
    user = UserFactory(username="member@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": "correct horse battery staple"},
        secure=True,
    )

    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_body_larger_than_the_limit_is_refused_with_413_unread(client):
    response = client.generic(
        "POST",
        "/accounts/login/",
        data=b"x" * 1024,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(12 * 1024 * 1024 + 1),
        secure=True,
    )

    assert response.status_code == 413
    assert "X-Request-ID" in response


def test_a_form_with_more_than_500_fields_is_refused_with_400(client):
    fields = {f"f{i}": "x" for i in range(499)}
    assert client.post("/accounts/login/", {**fields, "login": "x"}, secure=True).status_code == 200
    response = client.post("/accounts/login/", {**fields, "login": "x", "password": "y"}, secure=True)

    assert response.status_code == 400


def test_a_body_without_files_larger_than_2_mib_is_refused_with_400(client):
    response = client.post(
        "/accounts/login/", {"login": "x" * (2 * 1024 * 1024), "password": "y"}, secure=True
    )

    assert response.status_code == 400


def test_a_form_with_more_than_ten_files_is_refused_with_400(client):
    def files(count):
        return {f"file{i}": SimpleUploadedFile(f"{i}.txt", b"x") for i in range(count)}

    assert client.post("/accounts/login/", {"login": "x", **files(10)}, secure=True).status_code == 200
    response = client.post("/accounts/login/", {"login": "x", **files(11)}, secure=True)

    assert response.status_code == 400


def test_an_invalid_content_length_is_refused_with_400(client):
    response = client.generic("POST", "/accounts/login/", data=b"", CONTENT_LENGTH="lots", secure=True)

    assert response.status_code == 400
