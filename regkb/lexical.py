"""Lexical retrieval: jieba tokens scored with BM25. The only module importing jieba and bm25s."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import bm25s
import jieba
import numpy as np

from regkb.numerals import ARTICLE_RE, normalize_article_refs

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
_IDS_FILE = "ids.json"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_stopwords: frozenset[str] = frozenset()


def _jieba() -> tuple[jieba.Tokenizer, frozenset[str]]:
    """The shared tokenizer with the user dictionary, built once (thread-safe)."""
    global _tokenizer, _stopwords
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            if USERDICT.exists():
                tokenizer.load_userdict(str(USERDICT))
            else:
                log.warning("no jieba user dictionary at %s; tokenising without it", USERDICT)
            if STOPWORDS.exists():
                lines = STOPWORDS.read_text(encoding="utf-8").splitlines()
                _stopwords = frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
            _tokenizer = tokenizer
        return _tokenizer, _stopwords


def tokenizer_fingerprint() -> str:
    """What tokenize() depends on (jieba's version, the user dictionary, the stopwords, this code),
    so cached tokens are never read by another tokenizer."""
    digest = hashlib.sha256(jieba.__version__.encode())
    for path in (USERDICT, STOPWORDS, Path(__file__), Path(__file__).with_name("numerals.py")):
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def _is_noise(token: str) -> bool:
    """Whitespace, punctuation and symbols carry no lexical evidence."""
    return all(ch.isspace() or unicodedata.category(ch)[0] in "PSZC" for ch in token)


def tokenize(text: str) -> list[str]:
    """Search tokens: 第X条 labels normalised and kept whole, jieba words, no stopwords.

    jieba's search mode also emits the known words inside a longer one (使用暴力 -> 使用, 暴力,
    使用暴力), so a query word matches the compounds that contain it; dictionary terms such as
    委外催收 are always emitted whole as well.
    """
    tokenizer, stopwords = _jieba()
    text = normalize_article_refs(text)
    tokens: list[str] = []
    pos = 0
    for match in ARTICLE_RE.finditer(text):
        tokens.extend(tokenizer.lcut_for_search(text[pos : match.start()]))
        tokens.append(match.group(0))
        pos = match.end()
    tokens.extend(tokenizer.lcut_for_search(text[pos:]))
    return [t.lower() for t in (t.strip() for t in tokens) if t and t not in stopwords and not _is_noise(t)]


class LexicalIndex:
    """A BM25 index over passage ids."""

    def __init__(self, ids: Sequence[str], bm25: bm25s.BM25 | None) -> None:
        self.ids = list(ids)
        self._bm25 = bm25  # None for an empty index (bm25s cannot index nothing)
        self._vocab: dict[str, int] = dict(bm25.vocab_dict) if bm25 is not None else {}

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Sequence[str], tokens: Sequence[list[str]] | None = None
    ) -> LexicalIndex:
        """BM25 over the texts; tokens, when given, are the texts' tokenize() (e.g. from a cache)."""
        if len(ids) != len(texts) or (tokens is not None and len(tokens) != len(texts)):
            raise ValueError("LexicalIndex.build: ids, texts and tokens differ in length")
        if not texts:
            return cls([], None)
        bm25 = bm25s.BM25()
        bm25.index(
            [list(t) for t in tokens] if tokens is not None else [tokenize(t) for t in texts],
            show_progress=False,
        )
        return cls(ids, bm25)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), show_progress=False)
        (directory / _IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        ids = json.loads((directory / _IDS_FILE).read_text(encoding="utf-8"))
        return cls(ids, bm25s.BM25.load(str(directory), show_progress=False) if ids else None)

    def __len__(self) -> int:
        return len(self.ids)

    def unknown(self, words: Sequence[str]) -> list[str]:
        """The words that no indexed passage contains."""
        return [w for w in words if w not in self._vocab]

    def search(self, query_text: str, k: int) -> list[tuple[str, float]]:
        """The k best-scoring passages as (id, BM25 score), best first; only positive scores."""
        tokens = [t for t in tokenize(query_text) if t in self._vocab]
        if not tokens or k <= 0 or self._bm25 is None:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=float)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
