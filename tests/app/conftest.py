"""Fixtures for the app tests: an AppTest of app.py with its settings pointed at tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Settings for one test: feedback, uploads and eval dir under tmp_path; caches cleared."""
    monkeypatch.setenv("REGKB_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    monkeypatch.setenv("REGKB_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("REGKB_EVAL_DIR", str(tmp_path / "eval"))
    monkeypatch.setenv("REGKB_AUDIT_DB", str(tmp_path / "audit.sqlite"))
    monkeypatch.delenv("REGKB_ADMIN_PASSWORD", raising=False)
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()


def open_app(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    if page:
        at.query_params["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()
