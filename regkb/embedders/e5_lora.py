"""LoRA adapters for the e5 encoder: trainable low-rank updates, saved small, merged at load.

A LoRA layer adds ``scale * B @ A`` (rank r, ``scale = alpha / r``) to a frozen Linear's
weight. Training wraps the targeted Linears of ``E5Encoder`` (``qkv``, ``ao``, ``fi``,
``fo``) in ``LoraLinear``; inference merges the update into the plain weights once, before
any bf16/int8 conversion, so the runtime's speed is unchanged.

The adapter file (``regkb/data/e5-adapter.pt``) is a ``torch.save`` of plain data::

    {"format": 1, "rank": 8, "alpha": 16.0,
     "tensors": {"layers.3.qkv.A": fp16 (r, in), "layers.3.qkv.B": fp16 (out, r), ...},
     "meta": {base model key, training data hashes, seed, date, train/val figures ...}}

Its identity (``regkb.embedders.e5.adapter_key``) is a hash of what the file holds (every
record but torch's random serialization id), read without loading torch, so building an
embedder stays cheap; saving the same tensors and metadata again keeps it, any other change
re-embeds the index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from regkb.errors import ConfigError

FORMAT = 1
TARGETS = ("qkv", "ao", "fi", "fo")


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter read from disk: low-rank factors by ``layers.<i>.<linear>``."""

    rank: int
    alpha: float
    tensors: dict[str, torch.Tensor]  # "<module>.A" (r, in) and "<module>.B" (out, r)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def modules(self) -> list[str]:
        return sorted({name.rsplit(".", 1)[0] for name in self.tensors})


class LoraLinear(nn.Module):
    """A frozen Linear plus a trainable low-rank update (B starts at zero: no change at step 0)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, generator: torch.Generator) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.scale = alpha / rank
        bound = 1.0 / base.in_features**0.5
        a = (torch.rand(rank, base.in_features, generator=generator) * 2 - 1) * bound
        self.A = nn.Parameter(a)
        self.B = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.A.t() @ self.B.t()) * self.scale


def attach(encoder: nn.Module, rank: int, alpha: float, layers: range, seed: int) -> list[nn.Parameter]:
    """Wrap the targeted Linears of the given layers in LoraLinear; returns the new parameters.

    Every other parameter of the encoder is frozen.
    """
    for p in encoder.parameters():
        p.requires_grad_(False)
    generator = torch.Generator().manual_seed(seed)
    params: list[nn.Parameter] = []
    for i in layers:
        layer = encoder.layers[i]  # type: ignore[index]
        for target in TARGETS:
            lora = LoraLinear(getattr(layer, target), rank, alpha, generator)
            setattr(layer, target, lora)
            params.extend([lora.A, lora.B])
    return params


def extract(encoder: nn.Module, rank: int, alpha: float, meta: dict[str, Any]) -> Adapter:
    """The trained factors of an encoder that ``attach`` wrapped, as an fp16 Adapter."""
    tensors: dict[str, torch.Tensor] = {}
    for name, module in encoder.named_modules():
        if isinstance(module, LoraLinear):
            tensors[f"{name}.A"] = module.A.detach().to(torch.float16).clone()
            tensors[f"{name}.B"] = module.B.detach().to(torch.float16).clone()
    return Adapter(rank, alpha, tensors, meta)


def save_adapter(adapter: Adapter, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "rank": adapter.rank,
        "alpha": adapter.alpha,
        "tensors": adapter.tensors,
        # a JSON copy: the pickle's memo follows object identity, so equal metadata built
        # another way (the training run's own strings) would otherwise pickle to other bytes
        "meta": json.loads(json.dumps(adapter.meta)),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    from regkb.embedders.e5 import adapter_key

    if path.is_file() and adapter_key(path) == adapter_key(tmp):
        tmp.unlink()  # the same adapter: the file (and its bytes) stay as they are
        return
    tmp.replace(path)


def load_adapter(path: Path) -> Adapter:
    """Read an adapter file; ConfigError naming the file and the fix when it is not one."""
    if not path.is_file():
        raise ConfigError(
            f"e5 adapter {path} not found: run `python -m training.dense --index DIR --out {path}` "
            "or use the base model (embedder spec 'e5:base')"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if payload.get("format") != FORMAT:
            raise ValueError(f"format {payload.get('format')!r}, expected {FORMAT}")
        return Adapter(int(payload["rank"]), float(payload["alpha"]), payload["tensors"], payload["meta"])
    except Exception as exc:  # a truncated or foreign file
        raise ConfigError(
            f"e5 adapter {path} is unreadable ({exc}); retrain it with `python -m training.dense` "
            "or restore it with `git checkout -- regkb/data/e5-adapter.pt`"
        ) from exc


def merge(encoder: nn.Module, adapter: Adapter) -> None:
    """Add each low-rank update to its Linear's fp32 weight in place (call before bf16/int8)."""
    modules = dict(encoder.named_modules())
    with torch.no_grad():
        for name in adapter.modules():
            linear = modules.get(name)
            if not isinstance(linear, nn.Linear):
                raise ConfigError(f"e5 adapter: {name!r} is not a Linear of the e5 encoder; retrain it")
            a = adapter.tensors[f"{name}.A"].float()
            b = adapter.tensors[f"{name}.B"].float()
            linear.weight += adapter.scale * (b @ a)
