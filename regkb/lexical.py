"""Lexical retrieval: jieba tokens scored with BM25. The only module importing jieba and bm25s."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import bm25s
import jieba
import numpy as np

from regkb.derived_cache import StringTable, cache_root, load_or_build, source_key
from regkb.numerals import ARTICLE_RE, normalize_article_refs

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
_IDS_FILE = "ids.json"

JIEBA_DICT = Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME
WORDS_FORMAT = "jieba-words-2"
FULL_AFTER_CHARS = 20_000  # text tokenised with the on-demand table before the whole one loads

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None  # jieba with its whole dictionary and the user dictionary
_stopwords: frozenset[str] | None = None
_words: StringTable | None = None  # the same table, read on demand (see _tokenizer_for)
_lazy: jieba.Tokenizer | None = None  # jieba over the entries read so far
_lazy_chars = 0


def _full_tokenizer() -> jieba.Tokenizer:
    """jieba with its whole dictionary (its own marshal cache) and the user dictionary."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if USERDICT.exists():
        tokenizer.load_userdict(str(USERDICT))
    else:
        log.warning("no jieba user dictionary at %s; tokenising without it", USERDICT)
    return tokenizer


def _open_table() -> None:
    """Open jieba's word table on demand (building it, and so loading it whole, once).

    The table (jieba's dictionary after the user dictionary) is an sqlite file under
    ~/.cache/regkb/jieba, keyed by a sha256 of both dictionaries and jieba's version. Loading
    it whole (jieba's own marshal cache) costs about a second; jieba looks up nothing but
    substrings of the text it cuts (its DAG, route and search grams), so a tokenizer holding
    the entries for those substrings and the same total cuts exactly as the whole one does.
    """
    global _tokenizer, _words, _lazy
    key = source_key(JIEBA_DICT, USERDICT, jieba.__version__, WORDS_FORMAT)
    loaded: list[jieba.Tokenizer] = []

    def build() -> jieba.Tokenizer:
        loaded.append(_full_tokenizer())
        return loaded[0]

    def save(tokenizer: jieba.Tokenizer, directory: Path) -> None:
        force_split = json.dumps(sorted(jieba.finalseg.Force_Split_Words))
        meta = {"total": str(tokenizer.total), "force_split": force_split}
        StringTable.write(directory, tokenizer.FREQ.items(), meta)

    table = load_or_build(cache_root() / "jieba" / f"words-{key}", StringTable, build, save)
    if loaded:
        _tokenizer = loaded[0]  # the whole dictionary is in memory now: use it
        return
    assert isinstance(table, StringTable)
    for word in json.loads(table.meta["force_split"]):  # what zero-frequency user words do
        jieba.finalseg.add_force_split(word)
    lazy = jieba.Tokenizer()
    lazy.total, lazy.initialized = int(table.meta["total"]), True
    _words, _lazy = table, lazy


def _tokenizer_for(text: str) -> jieba.Tokenizer:
    """A jieba tokenizer that cuts ``text`` exactly as the whole dictionary does: the on-demand
    one while little text has been tokenised (a query), the whole one after (ingest)."""
    global _tokenizer, _lazy_chars
    with _lock:
        if _tokenizer is None and _words is None:
            jieba.setLogLevel(logging.WARNING)
            _open_table()
        if _tokenizer is None and _words is not None and _lazy is not None:
            if _lazy_chars + len(text) <= FULL_AFTER_CHARS:
                try:
                    _words.cover(_lazy.FREQ, text)
                    _lazy_chars += len(text)
                    return _lazy
                except sqlite3.Error as exc:
                    log.warning("jieba word table unreadable (%s): loading the whole dictionary", exc)
            _tokenizer = _full_tokenizer()
        assert _tokenizer is not None
        return _tokenizer


def _stop_words() -> frozenset[str]:
    global _stopwords
    with _lock:
        if _stopwords is None:
            lines = STOPWORDS.read_text(encoding="utf-8").splitlines() if STOPWORDS.exists() else []
            _stopwords = frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
        return _stopwords


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
    text = normalize_article_refs(text)
    tokenizer, stopwords = _tokenizer_for(text), _stop_words()
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
