"""Where the evals find things: the repository, ../shared, the gate's index and baselines."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO / ".." / "shared"))
QUESTIONS_DIR = REPO / "evals" / "questions"
BASELINE = REPO / "evals" / "baseline.json"  # the whole dev set (the gate's set "dev-all")
BASELINE_DIR = REPO / "evals" / "baseline"  # one metrics.json per gated validation split
GATE_INDEX = REPO / ".regkb-eval"  # the same index the integration tests and `make eval` use
