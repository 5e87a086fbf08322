"""Arabic pages mirror: the stylesheet is written with logical properties (start and end, never left
and right), and text people typed is isolated so that a Latin name in an Arabic sentence keeps its
place (and an Arabic name in an English one)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from tests.factories import MembershipFactory

CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
# Physical directions that do not mirror: margin-left, padding-right, border-left, text-align: left,
# float: right, left: 0 …
PHYSICAL = re.compile(
    r"\b(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|\btext-align:\s*(?:left|right)\b"
    r"|\bfloat:\s*(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
)


def _declarations(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def test_the_stylesheet_has_no_physical_left_or_right():
    found = PHYSICAL.findall(_declarations(CSS.read_text()))
    assert found == [], f"use logical properties (margin-inline-start, text-align: start…): {found}"


@pytest.mark.parametrize(
    "rule",
    [
        ".a { margin-left: 1rem }",
        ".a { text-align: right }",
        ".a { left: 0 }",
        ".a { border-right: 1px solid }",
    ],
)
def test_the_check_finds_a_physical_property(rule):
    assert PHYSICAL.findall(_declarations(rule))


def test_a_typed_name_is_isolated_and_escaped():
    template = engines["django"].from_string("{{ name|bdi }}|{{ empty|bdi }}")
    assert template.render({"name": "<b>NUS</b>", "empty": ""}) == "<bdi>&lt;b&gt;NUS&lt;/b&gt;</bdi>|"


@pytest.mark.django_db
def test_an_arabic_directory_isolates_the_latin_names_of_unions(client):
    MembershipFactory(
        organization__name="Kenya Universities Students Association", organization__acronym="KUSA"
    )
    page = client.get("/directory/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "<bdi>Kenya Universities Students Association</bdi>" in page
    assert "<bdi>KUSA</bdi>" in page
    assert "دليل الأعضاء" in page  # the page itself is in Arabic
