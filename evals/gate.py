"""The regression gate: compare a run's metrics.json with a committed one (evals/baseline.json).

Headline metrics are compared for the primary system ("regkb"), overall. A metric fails
when it drops by more than its tolerance, when it is missing from the new run but was in
the old one, or when it falls below its floor:

    Recall@5            tolerance 0.02   (about one answerable dev question in 54)
    MRR@10              tolerance 0.02
    refusal accuracy    tolerance 0.0    (any out-of-scope question newly answered fails)
    citation validity   tolerance 0.0, floor 1.0 (every citation shown must exist verbatim)

Every other overall metric is printed with its delta but does not gate. After a deliberate
change of behaviour, refresh the committed file with ``python -m evals.gate --write-baseline``
(or copy the new metrics.json to evals/baseline.json) in the same commit.

``python -m evals.gate`` is what ``make eval-gate`` runs: ingest corpus/ plus
../shared/corpus into a cached index (an unchanged corpus embeds nothing), run the dev
questions, write the report and compare with evals/baseline.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOLERANCES: dict[str, float] = {
    "recall@5": 0.02,
    "mrr@10": 0.02,
    "refusal_accuracy": 0.0,
    "citation_validity": 0.0,
}
FLOORS: dict[str, float] = {"citation_validity": 1.0}
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO / ".." / "shared"))
BASELINE = REPO / "evals" / "baseline.json"
GATE_INDEX = REPO / ".regkb-eval"  # the same index the integration tests and `make eval` use
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Check:
    metric: str
    old: float | None
    new: float | None
    tolerance: float | None  # None: printed, not gated
    ok: bool
    reason: str = ""

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


def overall(doc: dict[str, Any], system: str) -> dict[str, Any]:
    info = doc.get("systems", {}).get(system)
    if not info or not info.get("available", False):
        return {}
    return dict(info.get("overall", {}))


def check_metric(metric: str, old: float | None, new: float | None) -> Check:
    tolerance = TOLERANCES.get(metric)
    if tolerance is None:
        return Check(metric, old, new, None, True)
    floor = FLOORS.get(metric)
    if new is None:
        ok = old is None
        return Check(metric, old, new, tolerance, ok, "" if ok else "missing from the new run")
    if floor is not None and new < floor - _EPS:
        return Check(metric, old, new, tolerance, False, f"below its floor {floor}")
    if old is not None and new < old - tolerance - _EPS:
        return Check(metric, old, new, tolerance, False, f"dropped more than {tolerance}")
    return Check(metric, old, new, tolerance, True)


def compare(old_doc: dict[str, Any], new_doc: dict[str, Any], system: str = "regkb") -> list[Check]:
    """Headline checks first, then every other numeric overall metric (informational)."""
    old, new = overall(old_doc, system), overall(new_doc, system)
    names = list(TOLERANCES) + sorted(
        k for k in {*old, *new} - set(TOLERANCES) if _informational(k) and _number(new.get(k, old.get(k)))
    )
    return [check_metric(name, _num(old.get(name)), _num(new.get(name))) for name in names]


def _informational(name: str) -> bool:
    """Printed beside the headlines: not the counts (n_*) nor the recall curve's inner points."""
    return not name.startswith("n_") and name not in {f"recall@{k}" for k in (2, 3, 4, 6, 7, 8, 9)}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: object) -> float | None:
    return float(value) if _number(value) else None  # type: ignore[arg-type]


def passed(checks: Sequence[Check]) -> bool:
    return all(c.ok for c in checks)


def format_checks(checks: Sequence[Check]) -> str:
    def f(v: float | None) -> str:
        return "—" if v is None else f"{v:.4f}"

    lines = [f"{'metric':<22} {'old':>10} {'new':>10} {'delta':>10}  gate"]
    for c in checks:
        gate = "info" if c.tolerance is None else ("ok" if c.ok else f"FAIL ({c.reason})")
        delta = "—" if c.delta is None else f"{c.delta:+.4f}"
        lines.append(f"{c.metric:<22} {f(c.old):>10} {f(c.new):>10} {delta:>10}  {gate}")
    return "\n".join(lines)


def _ingest(index: Path, roots: Sequence[Path]) -> None:
    cmd = [sys.executable, "-m", "regkb.cli", "ingest", *map(str, roots), "--index", str(index)]
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=REPO)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.gate", description="eval regression gate")
    parser.add_argument("--index", type=Path, default=GATE_INDEX, help="cached index directory")
    parser.add_argument("--questions", type=Path, default=SHARED / "evals" / "dev.jsonl")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "eval-gate")
    parser.add_argument("--skip-ingest", action="store_true", help="use the index as it is")
    parser.add_argument(
        "--write-baseline", action="store_true", help="after the run, copy its metrics.json to --baseline"
    )
    args = parser.parse_args(argv)
    if not args.skip_ingest:
        _ingest(args.index, [REPO / "corpus", SHARED / "corpus"])
    from evals.cli import main as eval_main

    eval_argv = ["--questions", str(args.questions), "--index", str(args.index), "--out", str(args.out)]
    if args.write_baseline:
        code = eval_main([*eval_argv, "--no-progress"])
        if code == 0:
            shutil.copyfile(args.out / "metrics.json", args.baseline)
            print(f"wrote {args.baseline}: commit it with the change that moved the metrics")
        return code
    if not args.baseline.is_file():
        print(f"eval gate: no {args.baseline}; create it with `python -m evals.gate --write-baseline`")
        return 2
    return eval_main([*eval_argv, "--compare", str(args.baseline), "--no-progress"])


if __name__ == "__main__":
    sys.exit(main())
