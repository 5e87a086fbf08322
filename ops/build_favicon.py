"""Draw static/root/favicon.ico from static/favicon.svg, so that the two stay one design.

Run once after changing the SVG (it needs Playwright and Debian's chromium, as the browser tests do):

    .venv/bin/python ops/build_favicon.py

The SVG is the mark in the header and the icon of browsers that take SVG; /favicon.ico
(16 and 32 pixels) is for the others and for clients that ask for it at the site's root.
"""

import io
import os
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "static" / "favicon.svg"
ICO = ROOT / "static" / "root" / "favicon.ico"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DRAWN_AT = 128  # pixels; the icon's sizes are scaled down from it


def render_png(svg: Path, size: int) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": size, "height": size})
        page.goto(svg.as_uri())  # an SVG with only a viewBox fills the window
        png = page.screenshot(omit_background=True)
        browser.close()
    return png


def main() -> None:
    image = Image.open(io.BytesIO(render_png(SVG, DRAWN_AT))).convert("RGBA")
    image.save(ICO, format="ICO", sizes=[(16, 16), (32, 32)])
    print(f"{ICO.relative_to(ROOT)}: {ICO.stat().st_size} bytes")


if __name__ == "__main__":
    main()
