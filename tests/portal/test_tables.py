"""Tables and the ``cards`` grid (static/css/site.css): ``.cards`` lays its children out as a grid of
cards (the home page's sections), so a table carrying it puts its header and its body side by side.
A table that becomes cards on a small screen carries ``as-cards`` (each cell with its ``data-label``)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TABLE_CLASSES = re.compile(r"<table\b[^>]*\bclass=\"([^\"]*)\"")


def test_no_table_takes_the_grid_of_cards():
    grid_tables = [
        str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.html"))
        for classes in TABLE_CLASSES.findall(path.read_text(encoding="utf-8"))
        if "cards" in classes.split()
    ]
    assert grid_tables == []


def test_the_grid_of_cards_is_still_the_stylesheet_s_cards_and_as_cards_its_tables():
    css = (TEMPLATES.parent / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert re.search(r"^\.cards \{ display: grid;", css, re.M)
    assert "table.as-cards tr { display: block;" in css
