"""The regression gate: every question set's validation split against a committed baseline.

``python -m evals.gate`` is what ``make eval-gate`` (and so CI, ``.ci/run``) runs: ingest
corpus/ plus ../shared/corpus into a cached index (an unchanged corpus embeds nothing), open
the engine once, and run these sets, each compared with its own committed metrics.json:

    set               questions                                      baseline
    dev-val           val split of ../shared/evals/dev.jsonl         evals/baseline/dev-val.json
    stard-corpus-val  val split of ../shared/evals/stard/corpus-train.jsonl
                                                                     evals/baseline/stard-corpus-val.json
    internal-val      val split of evals/questions/internal.jsonl    evals/baseline/internal-val.json
    out_of_scope-val  val split of evals/questions/out_of_scope.jsonl
                                                                     evals/baseline/out_of_scope-val.json
    heldout-val       val split of evals/questions/heldout.jsonl     evals/baseline/heldout-val.json
    blind-val         val split of evals/questions/blind.jsonl       evals/baseline/blind-val.json
    permission-val    val split of evals/questions/permission.jsonl  evals/baseline/permission-val.json
    dev-all           the whole dev set (saturated: its train split trained the ranker)
                                                                     evals/baseline.json

Splits are evals/splits.py's fixed ones (``regkb eval --split val`` selects the same
questions). The comparison is evals/compare.py's, per set, for the primary system "regkb":
hit@5 (``recall@5``) and MRR@10 may drop by at most 0.5 / n plus the index-build noise across
CPUs (0.005), n the set's answerable questions in its baseline, so one question losing its hit
fails the gate on a set under 100 questions, two on STARD's 201; refusal
accuracy and citation validity have tolerance 0 (and validity a floor of 1.0). Other
metrics are printed with their deltas and do not gate. Each set's report is written under
``--out/<set>/`` (results.jsonl, metrics.json, report.md).

``evals/baseline.json`` keeps its old meaning: the metrics.json of the whole dev set
(``regkb eval --questions ../shared/evals/dev.jsonl``), now the gate's set "dev-all".
``--questions FILE`` gates that one file (all its questions) against ``--baseline``, as the
gate did before it held the validation splits.

After a deliberate change of behaviour, refresh the baselines in the same commit:
``python -m evals.gate --write-baseline`` (``--sets`` to refresh only some).
Exit codes: 0 passed; 1 a set regressed; 2 a baseline or question file is missing or bad.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.compare import Check, compare, format_checks, passed, read_metrics
from evals.dataset import load_split
from evals.paths import BASELINE, BASELINE_DIR, GATE_INDEX, QUESTIONS_DIR, REPO, SHARED
from evals.report import SystemRun, write_report
from evals.runner import RegkbSystem, System, run_system
from evals.scoring import summarise
from regkb.errors import ConfigError, RegkbError

__all__ = ["SHARED", "GateSet", "gate_sets", "main", "open_system", "run_set"]

VAL_SETS = ("dev", "stard-corpus", "internal", "out_of_scope", "heldout", "blind", "permission")


@dataclass(frozen=True, slots=True)
class GateSet:
    name: str
    questions: Path
    split: str  # evals.splits: 'val' or 'all'
    baseline: Path


def _questions_file(name: str, shared: Path) -> Path:
    if name == "dev":
        return shared / "evals" / "dev.jsonl"
    if name == "stard-corpus":
        return shared / "evals" / "stard" / "corpus-train.jsonl"
    return QUESTIONS_DIR / f"{name}.jsonl"


def gate_sets(
    shared: Path = SHARED, baseline_dir: Path = BASELINE_DIR, dev_baseline: Path = BASELINE
) -> list[GateSet]:
    """Every gated set: each set's validation split, then the whole dev set."""
    sets = [
        GateSet(f"{name}-val", _questions_file(name, shared), "val", baseline_dir / f"{name}-val.json")
        for name in VAL_SETS
    ]
    sets.append(GateSet("dev-all", _questions_file("dev", shared), "all", dev_baseline))
    return sets


def open_system(index: Path) -> System:
    """The regkb engine over the gate's index (models load once for every set)."""
    from regkb.engine import Engine
    from regkb.settings import Settings

    return RegkbSystem(Engine.open(Settings().model_copy(update={"index_dir": index})))


def _shown(path: Path) -> str:
    """A path as the reports record it: relative to the repository (../shared/...) when possible."""
    try:
        return os.path.relpath(path, REPO)
    except ValueError:
        return str(path)


def run_set(system: System, gate_set: GateSet, out: Path, command: str) -> dict[str, Any]:
    """Run one set through the runner, write its report under ``out``; returns its metrics.json."""
    questions = load_split(gate_set.questions, gate_set.split)
    outcomes = run_system(system, questions, progress=False)
    scores, summary = summarise(outcomes, system.retrieval_only)
    run = SystemRun(system.name, system.retrieval_only, tuple(outcomes), tuple(scores), summary)
    return write_report(out, [run], _shown(gate_set.questions), command, primary=system.name)


def _ingest(index: Path, roots: Sequence[Path]) -> None:
    cmd = [sys.executable, "-m", "regkb.cli", "ingest", *map(str, roots), "--index", str(index)]
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=REPO)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals.gate", description="eval regression gate")
    parser.add_argument("--index", type=Path, default=GATE_INDEX, help="cached index directory")
    parser.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="gate this one file (all its questions) instead of the sets",
    )
    parser.add_argument(
        "--baseline", type=Path, default=BASELINE, help="the whole dev set's (or --questions') metrics.json"
    )
    parser.add_argument(
        "--baseline-dir", type=Path, default=BASELINE_DIR, help="one <set>.json per validation split"
    )
    parser.add_argument("--sets", nargs="+", default=None, help="only these sets (names as in the docstring)")
    parser.add_argument(
        "--out", type=Path, default=REPO / "build" / "eval-gate", help="reports, one dir a set"
    )
    parser.add_argument("--skip-ingest", action="store_true", help="use the index as it is")
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="after the run, copy each set's metrics.json to its baseline",
    )
    return parser


def selected_sets(args: argparse.Namespace) -> list[tuple[GateSet, Path]]:
    """(set, its report directory) for every set this invocation gates."""
    if args.questions is not None:
        return [(GateSet(args.questions.stem, args.questions, "all", args.baseline), args.out)]
    sets = gate_sets(SHARED, args.baseline_dir, args.baseline)
    unknown = sorted(set(args.sets or ()) - {s.name for s in sets})
    if unknown:
        raise ConfigError(
            f"--sets: no set {', '.join(unknown)}; choose from {', '.join(s.name for s in sets)}"
        )
    return [(s, args.out / s.name) for s in sets if args.sets is None or s.name in args.sets]


def _judge(results: Sequence[tuple[GateSet, list[Check]]]) -> int:
    for gate_set, checks in results:
        state = "ok" if passed(checks) else "FAILED"
        print(
            f"\n== {gate_set.name} ({gate_set.split} of {_shown(gate_set.questions)}) vs {_shown(gate_set.baseline)}: {state}"
        )
        print(format_checks(checks))
    failed = [s.name for s, checks in results if not passed(checks)]
    if not failed:
        print(f"\neval gate: passed ({len(results)} sets)")
        return 0
    print(f"\neval gate: FAILED in {', '.join(failed)} (refresh a baseline only for a deliberate change)")
    return 1


def _run_all(args: argparse.Namespace, chosen: Sequence[tuple[GateSet, Path]], command: str) -> list[dict]:
    system = open_system(args.index)
    try:
        return [run_set(system, s, out, command) for s, out in chosen]
    finally:
        system.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = "python -m evals.gate " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        chosen = selected_sets(args)
        missing = [s.baseline for s, _ in chosen if not s.baseline.is_file()]
        if missing and not args.write_baseline:
            names = ", ".join(map(_shown, missing))
            raise ConfigError(f"no baseline {names}; create it with `python -m evals.gate --write-baseline`")
        if not args.skip_ingest:
            _ingest(args.index, [REPO / "corpus", SHARED / "corpus"])
        docs = _run_all(args, chosen, command)
        if args.write_baseline:
            return _write_baselines(chosen)
        results = [
            (s, compare(read_metrics(s.baseline), doc)) for (s, _), doc in zip(chosen, docs, strict=True)
        ]
        return _judge(results)
    except RegkbError as exc:
        print(f"eval gate: {exc}")
        return 2


def _write_baselines(chosen: Sequence[tuple[GateSet, Path]]) -> int:
    for gate_set, out in chosen:
        gate_set.baseline.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "metrics.json", gate_set.baseline)
        print(f"wrote {_shown(gate_set.baseline)}: commit it with the change that moved the metrics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
