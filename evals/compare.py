"""Compare two runs' metrics.json: pure functions shared by `regkb eval --compare` and the gate.

Headline metrics are compared for the primary system ("regkb"), overall. A metric fails
when it drops by more than its tolerance, when it is missing from the new run but was in
the old one, or when it falls below its floor. Tolerances:

    hit@5 (recall@5), MRR@10   0.5 / n + INDEX_NOISE, n = the baseline's answerable questions
                               (n_recall@5); 0.02 when the baseline records no count
    refusal accuracy           0.0   (any out-of-scope question newly answered fails)
    citation validity          0.0, floor 1.0 (every citation shown must exist verbatim)

INDEX_NOISE is what the same code and corpus move between index builds on different CPUs: the
e5 documents' matmuls run in bf16 where the CPU computes it natively (AVX512-BF16, AMX) and
in fp32 elsewhere, and near-ties among candidates fall either way. Measured 2026-12-01 on one
machine (AMX), an index built in bf16 against one built in fp32: 1 of 201 STARD validation
questions changed its hit@5 (0.005), MRR@10 moved by 0.0006, and 81 of the 201 top-10 lists
differed somewhere. So on a set of 100 questions or more one question may lose its hit
(0.5/n + 0.005 ≥ 1/n), on smaller sets none (1/n > 0.5/n + 0.005), and one that slips from
rank 1 to rank 2 (an MRR drop of 0.5/n) passes everywhere. Every other overall metric is
printed with its delta but does not gate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regkb.errors import ConfigError

TOLERANCES: dict[str, float] = {
    "recall@5": 0.02,
    "mrr@10": 0.02,
    "refusal_accuracy": 0.0,
    "citation_validity": 0.0,
}
PER_QUESTION = ("recall@5", "mrr@10")  # tolerance 0.5 / n_answerable + INDEX_NOISE when n is known
INDEX_NOISE = 0.005  # hit@5 moved by index builds on different CPUs (see the module docstring)
FLOORS: dict[str, float] = {"citation_validity": 1.0}
CITATION_METRICS = ("citation_validity",)  # undefined when a run shows no citation
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


def tolerances(old: dict[str, Any], new: dict[str, Any] | None = None) -> dict[str, float]:
    """The headline tolerances for a baseline's overall metrics: 0.5 / n + INDEX_NOISE for recall
    and MRR."""
    out = dict(TOLERANCES)
    counts = [d.get("n_recall@5") for d in (old, new or {})]
    n = next((c for c in counts if isinstance(c, int) and c > 0), None)
    if n is not None:
        out.update({metric: 0.5 / n + INDEX_NOISE for metric in PER_QUESTION})
    return out


def check_metric(metric: str, old: float | None, new: float | None, tolerance: float | None = None) -> Check:
    tolerance = TOLERANCES.get(metric) if tolerance is None else tolerance
    if tolerance is None:
        return Check(metric, old, new, None, True)
    floor = FLOORS.get(metric)
    if new is None:
        ok = old is None
        return Check(metric, old, new, tolerance, ok, "" if ok else "missing from the new run")
    if floor is not None and new < floor - _EPS:
        return Check(metric, old, new, tolerance, False, f"below its floor {floor}")
    if old is not None and new < old - tolerance - _EPS:
        return Check(metric, old, new, tolerance, False, f"dropped more than {tolerance:.4g}")
    return Check(metric, old, new, tolerance, True)


def compare(old_doc: dict[str, Any], new_doc: dict[str, Any], system: str = "regkb") -> list[Check]:
    """Headline checks first, then every other numeric overall metric (informational)."""
    old, new = overall(old_doc, system), overall(new_doc, system)
    limits = tolerances(old, new)
    names = list(TOLERANCES) + sorted(
        k for k in {*old, *new} - set(TOLERANCES) if _informational(k) and _number(new.get(k, old.get(k)))
    )
    return [_check(name, old, new, limits.get(name)) for name in names]


def _check(name: str, old: dict[str, Any], new: dict[str, Any], tolerance: float | None) -> Check:
    """check_metric, except that a citation metric of a run that showed no citation (every question
    refused) is undefined rather than missing: there was nothing to validate."""
    new_value = _num(new.get(name))
    if new_value is None and name in CITATION_METRICS and new.get("citations") == 0:
        return Check(name, _num(old.get(name)), None, tolerance, True, "no citations shown")
    return check_metric(name, _num(old.get(name)), new_value, tolerance)


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

    lines = [f"{'metric':<22} {'old':>10} {'new':>10} {'delta':>10} {'tolerance':>10}  gate"]
    for c in checks:
        gate = "info" if c.tolerance is None else ("ok" if c.ok else f"FAIL ({c.reason})")
        delta = "—" if c.delta is None else f"{c.delta:+.4f}"
        tol = "—" if c.tolerance is None else f"{c.tolerance:.4f}"
        lines.append(f"{c.metric:<22} {f(c.old):>10} {f(c.new):>10} {delta:>10} {tol:>10}  {gate}")
    return "\n".join(lines)


def read_metrics(path: Path) -> dict[str, Any]:
    """A metrics.json written by `regkb eval`; ConfigError naming the file when unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the metrics to compare with ({exc}); pass a metrics.json written by regkb eval"
        ) from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: not a metrics.json (expected a JSON object with 'systems')")
    return doc
