"""How much of the e5 document work is padding: the windows of an index's passages, cut into
batches as an ingest cuts them, with today's padded lengths and with the ten used before.

    .venv/bin/python bench/padding_bench.py --index DIR

Each ingest step of ingest/embedding.py STREAM_BATCH passages is sorted by length and embedded
EMBED_BATCH texts at a time; each call's windows are batched by regkb/embedders/e5_batching.py
within the e5 runtime's token budget. Printed per set of lengths: the padded ids over the real
ones (the linear layers' work) and the padded squares over the real ones (attention's), and how
many distinct batch shapes ran. No model runs: only the tokenizer.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ingest.embedding import EMBED_BATCH, STREAM_BATCH
from regkb.embedders import e5_batching
from regkb.embedders.e5 import E5Embedder, _base
from regkb.embedders.e5_batching import Window
from regkb.index import IndexReader

BEFORE = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512)  # the padded lengths until 2026-12-02


def calls(texts: Sequence[str]) -> list[list[Window]]:
    """The windows of each embedding call an ingest of these passage texts makes."""
    out = []
    for start in range(0, len(texts), STREAM_BATCH):
        missing = sorted(dict.fromkeys(texts[start : start + STREAM_BATCH]), key=len)
        for first in range(0, len(missing), EMBED_BATCH):
            out.append(_base().windows(list(missing[first : first + EMBED_BATCH])))
    return out


def waste(windows_per_call: Sequence[list[Window]], lengths: tuple[int, ...], budget: int) -> str:
    saved = e5_batching.PADDED_LENGTHS
    e5_batching.PADDED_LENGTHS = lengths
    try:
        real = padded = square = padded_square = 0
        shapes = set()
        for windows in windows_per_call:
            order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
            for batch in e5_batching.batches(order, windows, budget):
                ids, _ = e5_batching.pad([windows[i].ids for i in batch], filler=0)
                shapes.add(ids.shape)
                padded += ids.size
                padded_square += ids.shape[0] * ids.shape[1] ** 2
                real += sum(len(windows[i].ids) for i in batch)
                square += sum(len(windows[i].ids) ** 2 for i in batch)
    finally:
        e5_batching.PADDED_LENGTHS = saved
    return (
        f"{len(lengths)} lengths: padding {100 * (padded / real - 1):.1f}% of the ids, "
        f"{100 * (padded_square / square - 1):.1f}% of attention's work, {len(shapes)} shapes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index built by regkb ingest")
    args = parser.parse_args()
    reader = IndexReader.open(args.index)
    texts = [p.embed_text for p in reader.passages]
    budget = E5Embedder().batch_tokens
    per_call = calls(texts)
    print(f"{len(texts)} passages, {sum(len(w) for w in per_call)} windows, token budget {budget}")
    print("now:    " + waste(per_call, e5_batching.PADDED_LENGTHS, budget))
    print("before: " + waste(per_call, BEFORE, budget))


if __name__ == "__main__":
    main()
