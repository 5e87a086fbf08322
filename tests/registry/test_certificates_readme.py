"""README "Membership certificates": its five lines of Python verify a real certificate offline,
with the published key file alone, and refuse one changed by one character."""

import contextlib
import io
import re
from pathlib import Path

import jwt
import pytest
from django.test import Client
from django.utils import timezone

from registry import certificates
from registry.models import YearlyReturn
from registry.selectors import federation_year, today
from tests.factories import MembershipFactory, applicant_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://registry.federation.example"  # the issuer the README's lines name


def readme_lines() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n### Membership certificates\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def run_readme(token: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(readme_lines(), {"token": token})  # the README's own lines
    return out.getvalue()


@pytest.fixture
def certificate(settings, tmp_path, monkeypatch):
    settings.SITE_URL = SITE
    membership = MembershipFactory(organization__name="Kenya NUS", organization__slug="knus")
    YearlyReturn.objects.create(membership=membership, year=federation_year(today()), filed_at=timezone.now())
    issued = certificates.certificate_issue(membership=membership, actor=applicant_user())
    keys = Client().get("/.well-known/federation-registry-keys.json").content
    (tmp_path / "federation-registry-keys.json").write_bytes(keys)
    monkeypatch.chdir(tmp_path)
    return issued


def test_the_readme_has_five_lines_of_python():
    assert len([line for line in readme_lines().splitlines() if line.strip()]) == 5


def test_the_readme_lines_verify_a_certificate_offline(certificate):
    printed = run_readme(certificate.token)

    assert printed.split() == ["Kenya", "NUS", "full", "True", certificate.valid_until.isoformat()]


def test_the_readme_lines_refuse_a_changed_token(certificate):
    header, payload, signature = certificate.token.split(".")
    changed = f"{header}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}"

    with pytest.raises(jwt.InvalidTokenError):
        run_readme(changed)
