"""multilingual-e5-small's encoder on onnxruntime: queries embedded without torch (opt-in).

Importing torch costs a cold start 2-3 s; onnxruntime loads in about 0.3 s and runs one
short query as fast as torch's bf16 kernels. The graph computes in float32, so its query
vectors are the torch fp32 runtime's, not the bf16 runtime's (cosine 0.99999 to those): an
index whose ranker was fitted on bf16 query vectors ranks a few questions differently (see
README). The graph (embedding LayerNorm, 12 post-LN layers, masked mean pooling) is written once from the encoder's weights to an
ONNX file under the cache dir; a file that does not load is written again. Its inputs are
the word vectors of a padded batch (B, L, H) and a keep mask (B, L); its output the pooled
vector per row. The vectors are those of the torch fp32 runtime (cosine >= 0.99999, see
tests/regkb/test_e5_onnx.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from regkb.embedders.e5_weights import E5Config

log = logging.getLogger(__name__)
FORMAT_VERSION = 1
OPSET = 20  # Gelu and LayerNormalization are standard ops from here
_MASKED = -1e9  # added to the attention scores of padding positions


class _Graph:
    """Collects nodes and initialisers; each node gets a fresh output name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []

    def weight(self, name: str, array: np.ndarray) -> str:
        self.weights.append(numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        out = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attributes))
        return out

    def linear(self, x: str, arrays: dict[str, np.ndarray], name: str) -> str:
        """x @ W.T + b for a torch-layout weight (rows = outputs)."""
        w = self.weight(name + ".weight", arrays[name + ".weight"].T)
        return self.op("Add", self.op("MatMul", x, w), self.weight(name + ".bias", arrays[name + ".bias"]))

    def norm(self, x: str, arrays: dict[str, np.ndarray], name: str, eps: float) -> str:
        scale, bias = (self.weight(f"{name}.{p}", arrays[f"{name}.{p}"]) for p in ("weight", "bias"))
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)


def _layer(
    g: _Graph, x: str, mask: str, arrays: dict[str, np.ndarray], i: int, cfg: E5Config, prefix: str = ""
) -> str:
    p, head = f"{prefix}layers.{i}.", cfg.hidden // cfg.heads
    qkv = g.op("Reshape", g.linear(x, arrays, p + "qkv"), "qkv_shape")
    q, k, v = (g.op("Gather", qkv, f"index{n}", axis=2) for n in range(3))  # (B, L, heads, head)
    q, v = (g.op("Transpose", t, perm=[0, 2, 1, 3]) for t in (q, v))
    scores = g.op("MatMul", q, g.op("Transpose", k, perm=[0, 2, 3, 1]))
    scores = g.op(
        "Add", g.op("Mul", scores, g.weight(p + "scale", np.array(head**-0.5, dtype=np.float32))), mask
    )
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), "hidden_shape")
    x = g.norm(g.op("Add", x, g.linear(context, arrays, p + "ao")), arrays, p + "aln", cfg.eps)
    ffn = g.linear(g.op("Gelu", g.linear(x, arrays, p + "fi")), arrays, p + "fo")
    return g.norm(g.op("Add", x, ffn), arrays, p + "oln", cfg.eps)


def first_difference(cfg: E5Config, arrays: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> int:
    """The first layer whose weights differ between two encoders (cfg.layers when none does)."""
    for i in range(cfg.layers):
        names = [n for n in arrays if n.startswith(f"layers.{i}.")]
        if any(not np.array_equal(arrays[n], other[n]) for n in names):
            return i
    return cfg.layers


def build_model(
    cfg: E5Config, arrays: dict[str, np.ndarray], adapted: dict[str, np.ndarray] | None = None
) -> onnx.ModelProto:
    """The encoder as an ONNX model; ``arrays`` named as the torch encoder's state dict.

    With ``adapted`` (the same encoder with an adapter merged into its upper layers), the graph
    computes both: the layers they share once, then each encoder's own upper layers, and its
    output is the two pooled vectors side by side (B, 2H), ``arrays``' first.
    """
    g = _Graph()
    h = cfg.hidden
    x, mask = _embeddings(g, arrays, cfg)
    split = first_difference(cfg, arrays, adapted) if adapted is not None else cfg.layers
    for i in range(split):
        x = _layer(g, x, mask, arrays, i, cfg)
    g.weight("axis1", np.array([1], dtype=np.int64))
    g.weight("axis2", np.array([2], dtype=np.int64))
    count = g.op("ReduceSum", "keep", "axis1", keepdims=1)
    pooled = [_pool(g, _upper(g, x, mask, arrays, split, cfg), count)]
    if adapted is not None:
        renamed = {f"adapted.{name}": array for name, array in adapted.items()}
        pooled.append(_pool(g, _upper(g, x, mask, renamed, split, cfg, "adapted."), count))
    g.nodes.append(
        helper.make_node("Concat", pooled, ["pooled"], axis=1) if adapted else _rename(g, pooled[0])
    )
    width = h * len(pooled)
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("words", TensorProto.FLOAT, ["batch", "length", h]),
            helper.make_tensor_value_info("keep", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", width])],
        g.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 10  # what onnxruntime 1.32 reads
    return model


def _embeddings(g: _Graph, arrays: dict[str, np.ndarray], cfg: E5Config) -> tuple[str, str]:
    """The graph's constants, the normalised input embeddings and the attention mask."""
    heads, h = cfg.heads, cfg.hidden
    g.weight("qkv_shape", np.array([0, 0, 3, heads, h // heads], dtype=np.int64))
    g.weight("hidden_shape", np.array([0, 0, h], dtype=np.int64))
    for n in range(3):
        g.weight(f"index{n}", np.array(n, dtype=np.int64))
    length = g.op("Shape", "words", start=1, end=2)
    positions = g.op(
        "Slice", g.weight("pos", arrays["pos"]), g.weight("zero", np.array([0], dtype=np.int64)), length
    )
    x = g.op("Add", g.op("Add", "words", positions), g.weight("type0", arrays["type0"]))
    x = g.norm(x, arrays, "eln", cfg.eps)
    keep = g.op("Unsqueeze", "keep", g.weight("axes12", np.array([1, 2], dtype=np.int64)))  # (B, 1, 1, L)
    padded = g.op("Sub", g.weight("one", np.array(1.0, dtype=np.float32)), keep)
    return x, g.op("Mul", padded, g.weight("masked", np.array(_MASKED, dtype=np.float32)))  # 0 where kept


def _upper(
    g: _Graph, x: str, mask: str, arrays: dict[str, np.ndarray], start: int, cfg: E5Config, prefix: str = ""
) -> str:
    for i in range(start, cfg.layers):
        x = _layer(g, x, mask, arrays, i, cfg, prefix)
    return x


def _pool(g: _Graph, x: str, count: str) -> str:
    """Masked mean over the kept positions: (B, L, H) -> (B, H)."""
    kept = g.op("Unsqueeze", "keep", "axis2")  # (B, L, 1)
    return g.op("Div", g.op("ReduceSum", g.op("Mul", x, kept), "axis1", keepdims=0), count)


def _rename(g: _Graph, x: str) -> onnx.NodeProto:
    """An Identity node naming x as the graph's output."""
    return helper.make_node("Identity", [x], ["pooled"])


class OnnxEncoder:
    """One onnxruntime session over the cached graph; ``pooled`` is thread-safe."""

    def __init__(self, model: Path | bytes, threads: int, spinning: bool = False) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(threads, 1)
        options.inter_op_num_threads = 1
        # no spinning on shared 2-core boxes; a session that must answer within a budget may spin:
        # its threads then wait for work awake, which took the reader's p95 at 220 tokens from 110 to 71 ms
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        options.log_severity_level = 3
        source = str(model) if isinstance(model, Path) else model
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])

    def pooled(self, words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """words: (B, L, H) float32 word vectors; lengths: (B,) real token counts -> (B, H)."""
        keep = (np.arange(words.shape[1])[None, :] < lengths[:, None]).astype(np.float32)
        (out,) = self.session.run(["pooled"], {"words": words.astype(np.float32, copy=False), "keep": keep})
        return np.asarray(out)


def load_encoder(
    cfg: E5Config,
    path: Path,
    arrays: Callable[[], dict[str, np.ndarray]],
    threads: int,
    adapted: Callable[[], dict[str, np.ndarray]] | None = None,
    spinning: bool = False,
) -> OnnxEncoder:
    """The encoder from ``path``, written there first from ``arrays()`` (and ``adapted()``, for a
    graph computing both, see build_model) when missing or unusable."""
    if path.is_file():
        try:
            return OnnxEncoder(path, threads, spinning)
        except Exception as exc:  # a broken cache is rebuilt, never trusted
            log.warning("e5 query graph %s unusable (%s): writing it again", path, exc)
    log.info("writing the e5 query graph %s (one-off)", path)
    model = build_model(cfg, arrays(), adapted() if adapted is not None else None).SerializeToString()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(model)
        tmp.replace(path)
    except OSError as exc:
        log.warning("e5 query graph %s not written (%s): writing it again next time", path, exc)
    return OnnxEncoder(model, threads, spinning)
