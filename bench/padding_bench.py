"""How much of the e5 document work is padding: the windows of an index's passages, cut into
batches as an ingest cuts them, with today's padded lengths and with the ten used before.

    .venv/bin/python bench/padding_bench.py --index DIR

Each ingest step of ingest/embedding.py STREAM_BATCH passages is sorted by length and embedded
EMBED_BATCH texts at a time; each call's windows are batched by regkb/embedders/e5_batching.py
within the e5 runtime's token budget. Printed per set of lengths: the padded ids over the real
ones (the linear layers' work) and the padded squares over the real ones (attention's), and how
many distinct batch shapes ran. No model runs: only the tokenizer.

    .venv/bin/python bench/padding_bench.py --index DIR --time 2000

also embeds an even sample of that many passages with the e5 and e5:lora document models, ingest
call by ingest call, each call with both sets of lengths in alternating order, and prints the CPU
seconds each set took (process time: both cores' work, so the figure moves less with the
machine's load than a wall time).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from ingest.embedding import EMBED_BATCH, STREAM_BATCH
from regkb.embedders import e5_batching, make_embedder
from regkb.embedders.e5 import E5Embedder, _base
from regkb.embedders.e5_batching import Window
from regkb.index import IndexReader

BEFORE = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512)  # the padded lengths until 2026-12-02


def _call_texts(texts: Sequence[str]) -> list[list[str]]:
    """The texts of each embedding call an ingest of these passage texts makes."""
    out = []
    for start in range(0, len(texts), STREAM_BATCH):
        missing = sorted(dict.fromkeys(texts[start : start + STREAM_BATCH]), key=len)
        out += [list(missing[first : first + EMBED_BATCH]) for first in range(0, len(missing), EMBED_BATCH)]
    return out


def calls(texts: Sequence[str]) -> list[list[Window]]:
    """The windows of each embedding call an ingest of these passage texts makes."""
    return [_base().windows(call) for call in _call_texts(texts)]


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


def cpu_seconds(texts: Sequence[str], sample: int) -> dict[tuple[int, ...], float]:
    """CPU seconds of the e5 pair's document embeddings of an even sample, per set of lengths."""
    models = [make_embedder("e5"), make_embedder("e5:lora")]
    for model in models:
        model.embed_documents(["预热"])  # load outside the timing
    chosen = list(texts[:: max(1, len(texts) // sample)][:sample])
    spent = {e5_batching.PADDED_LENGTHS: 0.0, BEFORE: 0.0}
    saved = e5_batching.PADDED_LENGTHS
    try:
        for turn, call in enumerate(_call_texts(chosen)):
            for lengths in list(spent)[:: 1 if turn % 2 == 0 else -1]:
                e5_batching.PADDED_LENGTHS = lengths
                start = time.process_time()
                for model in models:
                    model.embed_documents(call)
                spent[lengths] += time.process_time() - start
    finally:
        e5_batching.PADDED_LENGTHS = saved
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index built by regkb ingest")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="also time N passages' embeddings")
    args = parser.parse_args()
    reader = IndexReader.open(args.index)
    texts = [p.embed_text for p in reader.passages]
    budget = E5Embedder().batch_tokens
    per_call = calls(texts)
    print(f"{len(texts)} passages, {sum(len(w) for w in per_call)} windows, token budget {budget}")
    print("now:    " + waste(per_call, e5_batching.PADDED_LENGTHS, budget))
    print("before: " + waste(per_call, BEFORE, budget))
    if args.time:
        spent = cpu_seconds(texts, args.time)
        now, before = spent[e5_batching.PADDED_LENGTHS], spent[BEFORE]
        print(
            f"e5 + e5:lora documents, {args.time} passages: {now:.1f} CPU s now, {before:.1f} before "
            f"({100 * (now / before - 1):+.1f}%)"
        )


if __name__ == "__main__":
    main()
