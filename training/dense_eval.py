"""The dense channel alone, base vs adapted: R@5 and MRR@10 of the e5 ranking over an index.

Every passage of the index is embedded (vectors cached in the index's embedding cache under
the embedder's name, so a later ``regkb ingest`` with the same adapter reuses them) and each
question's top 10 passages by cosine are scored with the project's metrics (evals/metrics.py),
over the answerable questions of one split of each set.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from evals import metrics as m
from evals.dataset import load_questions
from evals.scoring import expected_refs
from evals.splits import split_of
from ingest.embcache import EmbeddingCache
from regkb.embedders import Embedder
from regkb.index import EMBCACHE, IndexReader

log = logging.getLogger(__name__)


def eval_sets(shared: Path, questions_dir: Path) -> dict[str, Path]:
    """The sets the adapter is measured on (those that exist), by name."""
    sets = {
        "stard-corpus": shared / "evals" / "stard" / "corpus-train.jsonl",
        "dev": shared / "evals" / "dev.jsonl",
        "internal": questions_dir / "internal.jsonl",
        "heldout": questions_dir / "heldout.jsonl",
        "blind": questions_dir / "blind.jsonl",
    }
    return {name: path for name, path in sets.items() if path.is_file()}


def passage_matrix(embedder: Embedder, reader: IndexReader) -> np.ndarray:
    """Unit vectors of every passage of the index, in reader order (cached by embedder name)."""
    texts = [p.embed_text for p in reader.passages]
    cache = EmbeddingCache(reader.index_dir / EMBCACHE)
    try:
        found = cache.get_many(embedder.name, texts)
        missing = sorted({t for t in texts if t not in found})
        if missing:
            log.info("embedding %d passages with %s", len(missing), embedder.name)
            vectors = embedder.embed_documents(missing)
            cache.put_many(embedder.name, missing, vectors)
            found.update(zip(missing, vectors, strict=True))
    finally:
        cache.close()
    return np.asarray([found[t] for t in texts], dtype=np.float32)


def _refs(reader: IndexReader) -> list[m.Ref]:
    return [m.Ref(p.doc_id, p.article, p.title, p.short_title) for p in reader.passages]


def score_set(
    embedder: Embedder, matrix: np.ndarray, refs: list[m.Ref], path: Path, split: str
) -> dict[str, float]:
    """Mean R@5 and MRR@10 over the answerable questions of one split of a set."""
    recalls: list[float] = []
    mrrs: list[float] = []
    for q in load_questions(path):
        if not q.answerable or not q.gold or split_of(q.id) != split:
            continue
        scores = matrix @ np.asarray(embedder.embed_query(q.question), dtype=np.float32)
        top = np.argsort(-scores, kind="stable")[:10]
        gold, acceptable = expected_refs(q)
        retrieved = [refs[i] for i in top]
        recalls.append(m.recall_at_k(retrieved, gold, acceptable, 5) or 0.0)
        mrrs.append(m.mrr_at_k(retrieved, gold, acceptable, 10) or 0.0)
    n = len(recalls)
    return {
        "n": n,
        "recall@5": float(np.mean(recalls)) if n else 0.0,
        "mrr@10": float(np.mean(mrrs)) if n else 0.0,
    }


def compare(
    embedders: dict[str, Embedder], reader: IndexReader, sets: dict[str, Path], splits: tuple[str, ...]
) -> dict[str, Any]:
    """{split: {set: {model: figures}}} for each named embedder (e.g. base, adapted)."""
    refs = _refs(reader)
    out: dict[str, Any] = {split: {name: {} for name in sets} for split in splits}
    for model, embedder in embedders.items():
        matrix = passage_matrix(embedder, reader)
        for split in splits:
            for name, path in sets.items():
                out[split][name][model] = score_set(embedder, matrix, refs, path, split)
    return out


def table(figures: dict[str, Any], split: str) -> str:
    """A Markdown table: per set, base vs adapted R@5 and MRR@10 with the gain."""
    lines = [
        f"{split} split | n | base R@5 | adapted R@5 | gain | base MRR@10 | adapted MRR@10 | gain",
        "---|---|---|---|---|---|---|---",
    ]
    for name, by_model in figures[split].items():
        b, a = by_model["base"], by_model["adapted"]
        lines.append(
            f"{name} | {b['n']} | {b['recall@5']:.3f} | {a['recall@5']:.3f} | "
            f"{a['recall@5'] - b['recall@5']:+.3f} | {b['mrr@10']:.3f} | {a['mrr@10']:.3f} | "
            f"{a['mrr@10'] - b['mrr@10']:+.3f}"
        )
    return "\n".join(lines)
