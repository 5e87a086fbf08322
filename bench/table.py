"""The ratios of a ``python -m bench`` document as a Markdown table: ``python -m bench.table [var/bench.json]``.

For README "Performance": paste its output there after a run.
"""

import json
import sys
from pathlib import Path

from .databases import ROOT


def markdown(document: dict) -> str:
    cases = document["cases"]
    lines = [
        "| ratio | numerator / denominator (medians) | goal | median | 95% interval | status |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for ratio in document["ratios"]:
        num, den = cases[ratio["numerator"]], cases[ratio["denominator"]]
        sides = f"{num['median']:g} / {den['median']:g} {num['unit']}"
        low, high = ratio["ci95"]
        lines.append(
            f"| `{ratio['id']}` | {sides} | {ratio['goal'].replace('<=', '≤').replace('>=', '≥')} "
            f"| {ratio['median']:g} | {low:g} to {high:g} | {ratio['status']} |"
        )
    for skipped in document.get("skipped", []):
        lines.append(f"| `{skipped['id']}` | — | — | — | — | skipped: {skipped['reason']} |")
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "bench.json"
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
