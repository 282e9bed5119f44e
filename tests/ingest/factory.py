"""Generated corpora and a fast pipeline for the ingest tests (hash embedder, char token count)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ingest.pipeline import Stages, default_stages, ingest_paths
from ingest.report import IngestReport
from regkb.numerals import int_to_cn


def law_text(title: str, n: int, changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    lines = [f"# {title}", "", "## 第一章 总则", ""]
    for i in range(1, n + 1):
        body = changed.get(i, f"{title}关于第{i}项事务的规定，催收机构应当依法处理债务。")
        lines += [f"第{int_to_cn(i)}条 {body}", ""]
    return "\n".join(lines)


def write_law(root: Path, rel: str, title: str, n: int, changed: dict[int, str] | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(law_text(title, n, changed), encoding="utf-8")
    return path


def entry(rel: str, title: str, n: int, **extra: Any) -> dict[str, Any]:
    return {"path": rel, "title": title, "short_title": title[-6:], "level": "法律", "articles": n, **extra}


def write_manifest(root: Path, entries: list[dict[str, Any]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def fast_stages() -> Stages:
    """The real stages with a character count standing in for the e5 tokenizer (loads in 0 s)."""
    return dataclasses.replace(default_stages(), token_counter=lambda: len)


def ingest(paths: list[Path], index_dir: Path, **kw: Any) -> IngestReport:
    kw.setdefault("dense", ["hash"])
    kw.setdefault("max_tokens", 480)
    kw.setdefault("stages", fast_stages())
    return ingest_paths(paths, index_dir, **kw)


def small_corpus(root: Path) -> dict[str, int]:
    """Three laws with a manifest; returns article counts by doc_id."""
    laws = {"laws/alpha.md": ("中华人民共和国甲法", 5), "laws/beta.md": ("中华人民共和国乙法", 4),
            "rules/gamma.md": ("丙办法", 3)}  # fmt: skip
    for rel, (title, n) in laws.items():
        write_law(root, rel, title, n)
    write_manifest(root, [entry(rel, title, n) for rel, (title, n) in laws.items()])
    return {rel: n for rel, (_, n) in laws.items()}
