"""App timings of the real Streamlit app (app.py) through AppTest, printed as figures.

    python bench/app_bench.py [--index .regkb-eval] [--shared ../shared] [--questions 10] [--runs 2]

Each run is a fresh Python process (nothing imported, no model loaded), which:

1. renders the 问答 page (``AppTest.from_file(app.py).run()``): *first render*;
2. submits one dev question through the chat input and waits for the rerun that shows the
   answer (a citation card, or a refusal): *first answer*. The 问答 page opens the engine
   (index, e5 + USE, ranker, red lines) while it first renders, so this one is warm;
3. submits ``--questions`` more dev questions: *answer after submit*, p50 / p95.

*Cold start* is process start to the first answer on screen. AppTest runs the script
in-process, without a browser or websocket: the figures are the app's own work, not page
paint. The index is opened read-only; feedback, audit and uploads go to a temp dir.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def dev_questions(shared: Path, n: int) -> list[str]:
    lines = (shared / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [r["question"] for r in rows if r.get("answerable", True)][: n + 1]


def ask(at, question: str) -> float:
    """Submit a question and wait for the rerun; seconds, checking an answer was shown."""
    start = time.perf_counter()
    at.chat_input[0].set_value(question).run(timeout=300)
    elapsed = time.perf_counter() - start
    if at.exception:  # st.error is content here (刑法 in the basis), an exception is a failure
        raise RuntimeError(f"app.py raised on {question!r}: {at.exception[0].value}")
    if not any("regkb-card" in m.value for m in at.markdown) and not at.warning:
        raise RuntimeError(f"app.py showed neither a citation card nor a refusal for {question!r}")
    return elapsed


def child(questions: list[str], spawned: float) -> dict[str, object]:
    """One cold run in this process; ``spawned`` is the wall clock when the parent started it."""
    from streamlit.testing.v1 import AppTest

    begin = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=300).run()
    if at.exception:
        raise RuntimeError(f"app.py raised on first render: {at.exception[0].value}")
    first_render = time.perf_counter() - begin
    first_answer = ask(at, questions[0])
    cold = time.time() - spawned
    warm = [ask(at, q) for q in questions[1:]]
    return {
        "first_render_s": first_render,
        "first_answer_s": first_answer,
        "cold_start_s": cold,
        "answers_s": warm,
    }


def run_child(args: argparse.Namespace, scratch: Path) -> dict:
    env = {
        **os.environ,
        "REGKB_INDEX_DIR": str(args.index),
        "REGKB_FEEDBACK_DB": str(scratch / "feedback.sqlite"),
        "REGKB_AUDIT_DB": str(scratch / "audit.sqlite"),
        "REGKB_UPLOAD_DIR": str(scratch / "uploads"),
        "REGKB_EVAL_DIR": str(scratch / "eval"),
    }
    env.pop("REGKB_ADMIN_PASSWORD", None)
    cmd = [sys.executable, __file__, "--child", str(time.time())]
    cmd += ["--shared", str(args.shared), "--questions", str(args.questions)]
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"app bench run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(runs: list[dict]) -> None:
    answers = [s * 1000 for r in runs for s in r["answers_s"]]
    for i, r in enumerate(runs, start=1):
        print(
            f"run {i}: first render {r['first_render_s']:.1f} s, first answer {r['first_answer_s']:.1f} s, "
            f"cold start (process start -> first answer) {r['cold_start_s']:.1f} s"
        )
    cold = statistics.median(r["cold_start_s"] for r in runs)
    print(f"cold start, median of {len(runs)}: {cold:.1f} s")
    if answers:
        print(
            f"answer after submit ({len(answers)} questions): p50 {percentile(answers, 0.5):.0f} ms, "
            f"p95 {percentile(answers, 0.95):.0f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index", type=Path, default=REPO / ".regkb-eval", help="an existing index (read only)"
    )
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--questions", type=int, default=10, help="answers timed after the first")
    parser.add_argument("--runs", type=int, default=2, help="cold processes")
    parser.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)  # spawn time
    args = parser.parse_args()
    questions = dev_questions(args.shared, args.questions)
    if args.child is not None:
        print(json.dumps(child(questions, args.child)))
        return 0
    if not (args.index / "CURRENT").is_file():
        raise SystemExit(
            f"{args.index}: no index; build one with `regkb ingest corpus {args.shared}/corpus --index {args.index}`"
        )
    print(f"app.py via AppTest, index {args.index}, {args.runs} cold runs")
    with tempfile.TemporaryDirectory(prefix="regkb-app-bench-") as tmp:
        runs = [run_child(args, Path(tmp) / str(i)) for i in range(args.runs)]
    report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
