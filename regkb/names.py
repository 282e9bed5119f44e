"""Document names: every natural short name of a document, and fuzzy recognition of the rest.

People name a company policy without the company (催收作业管理办法), without the sample prefix
(委外催收机构管理办法), or by a shortening of their own (委外机构管理办法, 话术规范, 金禾催收规定).
Each document gets its natural names from its title, short title and issuer; a mention that
matches none exactly is recognised by how much of a document's name it contains, or by keeping
the name's characters in order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence

from regkb.script import CHINESE_CHAR, is_traditional, to_simplified
from regkb.types import Passage

STATE_PREFIX = "中华人民共和国"
_NAME_NOISE = re.compile(r"[\s《》〈〉<>「」『』\"“”]")
# An issuer at the head of a title: a company, group or bank name.
_ISSUER_HEAD = re.compile(r"^(.{2,30}?(?:股份有限公司|有限责任公司|有限公司|集团|银行|公司))(.{3,})$")
# Words that end a document's name (lookup.py reads them too).
NAME_SUFFIX = re.compile(
    r"(?:法|条例|办法|规定|规范|规程|细则|准则|指引|制度|解释|意见|守则|公约|手册|规则|章程|须知)"
)
FUZZY_MIN = 0.6  # share of a name's character bigrams a mention must contain
# An abbreviation keeps some of a name's characters in order (金禾催收规定 for 金禾贷后催收作业管理规定,
# 合规操作手册 for 远途催收合规操作手册). It names a document when it is at least this long and
# either opens as one of the document's names opens (its issuer's brand: 远途手册) or keeps at least
# ABBREVIATION_SHARE of that name's characters.
ABBREVIATION_MIN = 4
ABBREVIATION_SHARE = 0.5
_LEAD_IN = set("按照据依在查问看对把给和与及或的是里中请读翻用们")  # characters that lead into a name
_NOT_A_NAME_END = set("院律规制人官")  # 法院, 法律, 法规, 法制, 法人, 法官: 法 ends no name there
_NOT_A_NAME_HEAD = set("合非违依守执立司")  # nor in 合法, 非法, 违法, 依法, 守法, 执法, 立法, 司法
_WINDOW = 16  # characters before a name's suffix that may belong to the mention


def without_state_prefix(text: str) -> str:
    """Text without 中华人民共和国 (people drop it: 民法典 for 中华人民共和国民法典); kept when it is all."""
    return text.replace(STATE_PREFIX, "") or text


def normalize_name(name: str) -> str:
    """The key every document name is matched on: no brackets, quotes or spaces, full-width
    parentheses, no 中华人民共和国, lower case (《中华人民共和国民法典》 and 民法典 share a key)."""
    key = _NAME_NOISE.sub("", name).replace("(", "（").replace(")", "）")
    return without_state_prefix(key).lower()


def natural_names(title: str, short_title: str, issuer: str = "") -> tuple[str, ...]:
    """The title, the short title and the title without its issuer or the state prefix."""
    names = [title, short_title, title.removeprefix(STATE_PREFIX), short_title.removeprefix(STATE_PREFIX)]
    core = title
    if issuer and title.startswith(issuer) and len(title) > len(issuer) + 2:
        core = title[len(issuer) :]
    elif (match := _ISSUER_HEAD.match(title)) is not None:
        core = match.group(2)
    names.append(core)
    names += [to_simplified(n) for n in names if is_traditional(n)]  # as a question is read
    return tuple(n for n in dict.fromkeys(names) if len(n) >= 3)


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes: the embedded text plus every natural name of the passage's document."""
    names = natural_names(passage.title, passage.short_title, passage.issuer)
    return f"{passage.embed_text}\n{' '.join(names)}"


def _abbreviates(mention: str, name: str, lead: str = "") -> bool:
    """The mention keeps the name's characters in order, opens as the name opens or keeps at least
    ABBREVIATION_SHARE of it, and is not a short generic tail of it (管理办法). It must start a word:
    after no character, punctuation or a word that leads into a name (按 / 请问 / 的 …), not inside
    other words (民用爆炸物品安全管理条例 is no 安全管理条例, 银保监会催收管理规定 no 催收管理规定)."""
    if lead and CHINESE_CHAR.match(lead) and lead not in _LEAD_IN:
        return False
    chars = iter(name)
    if not all(c in chars for c in mention):  # a subsequence: each character found after the last
        return False
    if name.endswith(mention) and len(mention) <= ABBREVIATION_MIN:  # a generic tail (管理办法)
        return False
    return mention[:2] == name[:2] or len(mention) >= ABBREVIATION_SHARE * len(name)


def _abbreviation_barred(text: str, match: re.Match[str]) -> bool:
    """No abbreviation where the suffix ends no name (法 of 法院 / 法律 / 合法 / 非法) or the mention stands in
    《》: a quoted title no name matches is another document's full title (《消费金融公司管理办法》)."""
    if match.group(0) == "法" and (
        text[match.end() : match.end() + 1] in _NOT_A_NAME_END
        or text[match.start() - 1 : match.start()] in _NOT_A_NAME_HEAD
    ):
        return True
    return text.rfind("《", 0, match.start()) > text.rfind("》", 0, match.start())


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


class FuzzyNames:
    """Recognises a document from a mention that shortens or reorders its name.

    Names are indexed by their character bigrams, so a mention is compared only with the names
    it shares a bigram with (the statute book has over a thousand names).
    """

    def __init__(self, names: Iterable[tuple[str, str]], abbreviable: Collection[str] | None = None) -> None:
        """names: (surface name, canonical short title) pairs; abbreviable: the canonical titles an
        abbreviation may name (the engine passes its company policies: laws have their short names in
        the alias table), every one when None."""
        self._names = [(name, canonical, bigrams(name)) for name, canonical in names if len(name) >= 4]
        allowed = None if abbreviable is None else frozenset(abbreviable)
        self._abbreviable = {  # the names an abbreviation may stand for, by position
            i
            for i, (_name, canonical, _grams) in enumerate(self._names)
            if allowed is None or canonical in allowed
        }
        self._by_gram: dict[str, list[int]] = defaultdict(list)
        self._by_char: dict[str, set[int]] = defaultdict(set)
        for i, (name, _canonical, grams) in enumerate(self._names):
            for gram in grams:
                self._by_gram[gram].append(i)
            for char in name:
                self._by_char[char].add(i)

    def find(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """(canonical short title, span) for each suffix-ended mention clearly naming one document."""
        found = []
        for match in NAME_SUFFIX.finditer(text):
            start = max(0, match.start() - _WINDOW)
            window = text[start : match.end()]
            best = self._best(window, match.group(0))
            if best is not None:
                found.append((best, (start, match.end())))
            elif (
                not _abbreviation_barred(text, match)
                and (abbreviated := self._abbreviation(window, match.group(0), text[start - 1 : start]))
                is not None
            ):
                canonical, offset = abbreviated
                found.append((canonical, (start + offset, match.end())))
        return found

    def _abbreviation(self, window: str, suffix: str, before: str) -> tuple[str, int] | None:
        """The one document the longest tail of the window abbreviates, with where the tail starts
        (``before``: the character before the window, "" at the start of the text)."""
        if not self._abbreviable:
            return None
        for offset in range(len(window) - ABBREVIATION_MIN + 1):
            mention = window[offset:]
            lead = window[offset - 1] if offset else before
            holding = self._abbreviable.intersection(*(self._by_char.get(c, ()) for c in set(mention)))
            fits = {
                self._names[i][1]
                for i in holding
                if self._names[i][0].endswith(suffix) and _abbreviates(mention, self._names[i][0], lead)
            }
            if len(fits) == 1:
                return fits.pop(), offset
            if fits:
                return None  # several documents fit the same words: not clear which is meant
        return None

    def _best(self, window: str, suffix: str) -> str | None:
        shared: Counter[int] = Counter()
        for gram in bigrams(window):
            shared.update(self._by_gram.get(gram, ()))
        scored: dict[str, float] = {}
        for i, count in shared.items():
            name, canonical, name_grams = self._names[i]
            if name.endswith(suffix):
                scored[canonical] = max(scored.get(canonical, 0.0), count / len(name_grams))
        ranked: Sequence[tuple[str, float]] = sorted(scored.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < FUZZY_MIN:
            return None
        if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] - 0.1:
            return None  # two documents fit about as well: not clear which is meant
        return ranked[0][0]
