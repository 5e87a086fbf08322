"""README "Look" names the components' CSS sections and files: each one it names exists, so that a new
page can find and reuse them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def look_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Look\n", 1)[1].split("\n## ", 1)[0]


def test_every_stylesheet_section_the_look_names_is_in_the_stylesheet():
    css = (ROOT / "static" / "css" / "site.css").read_text()
    comments = " ".join(re.findall(r"/\*(.*?)\*/", css, re.S)).lower()
    table = [line for line in look_section().splitlines() if line.startswith("| ")]
    sections = {name for line in table for name in re.findall(r'"([^"]+)"', line.rsplit("|", 2)[1])}

    assert {
        "The footer",
        "Portal",
        "Tables as cards",
        "Two columns",
        "Account pages",
        "The world map",
    } <= sections
    for name in sections:
        assert name.lower() in comments, name


def test_every_file_the_look_names_exists():
    paths = {
        path
        for path in re.findall(r"`((?:templates|static|registry|accounts|ops)/[\w./-]+)`", look_section())
        if not path.endswith("/")
    }

    assert len(paths) >= 10
    for path in paths:
        assert (ROOT / path).exists(), path
