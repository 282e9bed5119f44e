"""Indexed provisions by document name and article label: the one resolver, with one policy.

    resolver.find(name, article)   -> every source's passages of that article (a law held
                                      from two sources gives both: retrieval proposes all)
    resolver.current(name)         -> the one document a citation of that name means: the
                                      first in force (the citation verifier checks against it)

Names are matched on regkb.names.normalize_name, article labels on their number
(第680条 = 第六百八十条). A name the index does not hold is tried once more through the alias
function, if one is given (个保法 -> 个人信息保护法).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from regkb.lookup import ReferenceFinder
from regkb.names import NAME_SUFFIX, normalize_name
from regkb.numerals import NUMERAL_CLASS, normalize_article_refs, parse_article_label
from regkb.types import Passage, level_rank

IN_FORCE = "现行有效"
INTERNAL = "内部制度"
# The word a name ends in (办法, 细则, 法 …), longest first at the end.
_ENDING = re.compile(rf"(?:{NAME_SUFFIX.pattern})$")
_SELF_REF = re.compile(
    rf"本(?:法|条例|规定|解释|办法|细则|规程|决定)(第(?:{NUMERAL_CLASS}+|\d+)条(?:之{NUMERAL_CLASS}+)?)"
)


def _article_key(label: str) -> object:
    """An article label's number (第680条 and 第六百八十条 alike), or the label when it has none."""
    try:
        return parse_article_label(label)
    except ValueError:
        return label


def _keys(passage: Passage) -> list[object]:
    """A passage is found by its label (一 in a 修改决定 too) and by its recorded article number."""
    keys = [_article_key(passage.article)]
    if passage.article_no is not None and keys[0] != (passage.article_no, passage.article_suffix):
        keys.append((passage.article_no, passage.article_suffix))
    return keys


def _in_order(fragment: str, name: str) -> bool:
    """Each character of the fragment found in the name after the one before it."""
    chars = iter(name)
    return all(c in chars for c in fragment)


class ProvisionResolver:
    """Maps (title, short title or alias; article label) to indexed passages."""

    def __init__(self, passages: Iterable[Passage], alias: Callable[[str], str | None] | None = None) -> None:
        self._alias = alias
        self._doc_ids: dict[str, list[str]] = {}  # normalised name -> documents, in force first
        self._names: set[str] = set()
        self._articles: dict[tuple[str, object], list[Passage]] = {}
        self._titles: dict[str, tuple[str, str]] = {}  # doc_id -> (title, short title), in force first
        self._policies: set[str] = set()  # doc ids of company policies
        for p in sorted(passages, key=lambda q: (q.status != IN_FORCE, q.doc_id, q.order)):
            self._titles.setdefault(p.doc_id, (p.title, p.short_title))
            if p.level == INTERNAL:
                self._policies.add(p.doc_id)
            for name in (p.title, p.short_title):
                docs = self._doc_ids.setdefault(normalize_name(name), [])
                if p.doc_id not in docs:
                    docs.append(p.doc_id)
                self._names.add(name)
            for key in _keys(p):
                self._articles.setdefault((p.doc_id, key), []).append(p)
        for parts in self._articles.values():
            parts.sort(key=lambda q: (q.part, q.order))

    def _documents(self, name: str) -> list[str]:
        """The documents of that name, in force first; through the alias when none has it."""
        docs = self._doc_ids.get(normalize_name(name))
        if docs is None and self._alias is not None:
            other = self._alias(name)
            docs = self._doc_ids.get(normalize_name(other)) if other else None
        return docs or []

    def doc_ids(self, name: str) -> set[str]:
        """Every indexed document of that name (empty when none)."""
        return set(self._documents(name))

    def current(self, name: str) -> str | None:
        """The document a citation of that name means: the first in force, else the first."""
        docs = self._documents(name)
        return docs[0] if docs else None

    def find(self, name: str, article: str) -> list[Passage]:
        """That article's passages in every document of that name (by doc_id, parts in order)."""
        found: list[Passage] = []
        for doc_id in sorted(self._documents(name)):
            found.extend(self.passages_for(doc_id, article))
        return found

    def passages_for(self, doc_id: str, article: str) -> list[Passage]:
        """The passages of one document's article, in part order; [] when it does not exist."""
        return list(self._articles.get((doc_id, _article_key(article)), []))

    def find_document(self, name: str) -> str | None:
        """regkb.verify.CitationResolver: the current document of that name."""
        return self.current(name)

    def names(self) -> list[str]:
        """Every title and short title held (recognised by the verifier without 《》)."""
        return sorted(self._names)

    def containing(self, fragment: str) -> list[str]:
        """The short titles of the documents whose title holds ``fragment`` (「管理办法」: which one?)."""
        return list(
            dict.fromkeys(
                short for title, short in self._titles.values() if fragment in title or fragment in short
            )
        )

    def spelled_in(self, fragment: str) -> list[str]:
        """The short titles of the company policies whose short title keeps the fragment's characters
        in order and ends in the same word (「催收办法」: 示例催收作业管理办法 or 示例催收人员培训与考核办法?)."""
        ending = _ENDING.search(fragment)
        if ending is None:
            return []
        return [
            short
            for doc_id, (_, short) in self._titles.items()
            if doc_id in self._policies and short.endswith(ending.group(0)) and _in_order(fragment, short)
        ]

    def holders(self, article: str) -> list[str]:
        """The short titles of the documents in force that hold that article, in level order (a
        question naming 第293条之一 and no document can only mean 刑法)."""
        key = _article_key(article)
        found = [parts[0] for (_, k), parts in self._articles.items() if k == key and parts]
        in_force = sorted(
            (p for p in found if p.status == IN_FORCE), key=lambda p: (level_rank(p.level), p.doc_id)
        )
        return list(dict.fromkeys(p.short_title for p in in_force))

    def has_article(self, name: str, article: str) -> bool | None:
        """True / False (document indexed, article missing) / None (document not indexed)."""
        if not self._documents(name):
            return None
        return bool(self.find(name, article))

    def cross_references(self, passage: Passage, finder: ReferenceFinder) -> list[Passage]:
        """Articles a passage cites: 《X》第N条 / 刑法第N条 elsewhere, 本法第N条 in its own document."""
        found: list[Passage] = []
        for ref in finder.find(passage.text):
            found.extend(self.find(ref.document, ref.article))
        for label in _SELF_REF.findall(normalize_article_refs(passage.text)):
            found.extend(self.passages_for(passage.doc_id, label))
        return [p for p in found if p.id != passage.id and p.part == 0]
