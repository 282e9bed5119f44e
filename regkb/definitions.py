"""Terms the indexed texts define, and questions that ask what one means.

A policy or a law says what its words mean (「本办法所称无关第三人，是指……」, 「民间借贷是指……」).
A question asking what such a word means (「无关第三人是什么意思」, 「什么叫民间借贷？」) is answered by
the defining provision, whatever document brought it: the terms are read from the index's own texts,
so an uploaded policy's definitions work as the samples' do.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from regkb.types import Passage

# The question asks what a word means, and which (「什么是X」, 「X是什么意思」); 算不算 / 怎么算 ask whether a
# fact falls under one, which the definition alone does not settle.
_ASKED = (
    re.compile(r"(?:什么是|什么叫|何为|何谓)([^，,。？?！!；;]{1,30})"),
    re.compile(
        r"([^，,。？?！!；;]{1,30}?)(?:到底|究竟|分别|具体)?"
        r"(?:是什么意思|什么意思|是指什么|指什么|指的是什么|具体指|指哪些|的定义|的含义|含义是|定义是"
        r"|都?包括哪些|都?包括谁|都有谁|都有哪些)"
    ),
)
_AND = re.compile(r"以及|和|与|及|、|跟")  # 「委外催收和受托机构分别是什么意思」 asks two
# what may stand before the term asked: nothing, or 「个保法里说的“自动化决策”」, 「所谓」, 「办法中」;
# not another word (「敏感个人信息」 asks no definition of 个人信息)
_BEFORE_TERM = frozenset('的说谓里中“”"「」『』《》 　')
_DEFINES = re.compile(r"是指|指的是")
_SCOPE = "所称"  # 「本办法所称X，是指」: the term follows it
_BEFORE = 24  # characters before 是指 that may hold the term
_TERM = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,16}")
# 「前款规定的情形是指」, 「下列行为是指」: what these point at is no term of their own
_NO_TERM = re.compile(r"规定|前款|本条|上述|下列|前述|情形")
_BREAK = re.compile(r"[。；：\n，,（）()]")  # 「（四）家属，是指」: the item's number is no part of it
_QUOTES = '“”"「」『』 　'


def defined_terms(text: str) -> list[str]:
    """The terms a text defines: what 所称 introduces before 是指, or the phrase that opens the sentence."""
    terms: list[str] = []
    for match in _DEFINES.finditer(text):
        left = text[max(0, match.start() - _BEFORE) : match.start()].rstrip("，, ")
        term = left.rsplit(_SCOPE, 1)[1].removeprefix("的") if _SCOPE in left else _BREAK.split(left)[-1]
        term = term.strip(_QUOTES)
        if _TERM.fullmatch(term) and not _NO_TERM.search(term) and term not in terms:
            terms.append(term)
    return terms


class Definitions:
    """Term -> ids of the passages defining it, read from the passages when a question first asks a
    meaning (32 ms over the statute book's 25,000 passages)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages

    @functools.cached_property
    def _by_term(self) -> Mapping[str, tuple[str, ...]]:
        found: dict[str, list[str]] = defaultdict(list)
        for passage in self._passages:
            for term in defined_terms(passage.text):
                found[term].append(passage.id)
        return {term: tuple(ids) for term, ids in found.items()}

    @functools.cached_property
    def _longest_first(self) -> list[str]:
        return sorted(self._by_term, key=len, reverse=True)

    def __len__(self) -> int:
        return len(self._by_term)

    def asked(self, question: str) -> tuple[str, ...]:
        """The ids of the passages defining the terms a meaning question asks about (each term asked,
        the longest defined term it ends with); none when it asks no meaning of a defined term."""
        phrases = [
            part.strip(_QUOTES)
            for pattern in _ASKED
            for match in pattern.finditer(question)
            for part in _AND.split(match.group(1))
        ]
        terms = [term for term in map(self._defined_end, phrases) if term is not None]
        return tuple(dict.fromkeys(pid for term in terms for pid in self._by_term[term]))

    def _defined_end(self, phrase: str) -> str | None:
        for term in self._longest_first:
            if phrase.endswith(term):
                before = phrase[: -len(term)]
                return term if not before or before[-1] in _BEFORE_TERM else None
        return None
