"""Shared test helpers: where ../shared lives, and a skip when it is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "evals" / "dev.jsonl"


def shared_manifest() -> list[dict]:
    if not (SHARED_CORPUS / "manifest.json").exists():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS} (set REGKB_SHARED)")
    return json.loads((SHARED_CORPUS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def shared_corpus() -> Path:
    shared_manifest()
    return SHARED_CORPUS
