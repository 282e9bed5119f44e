"""Direct article references in a question: 《民法典》第680条, 个保法第13条, 刑法293条之一 …, and the
numbered clauses of a policy written without 第X条 (外包催收规范2.2条, 《……规范》第3.1条)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from regkb.names import NAME_SUFFIX, FuzzyNames, without_state_prefix
from regkb.numerals import (
    ARTICLE_RE,
    DECIMAL_NUMBER,
    NOT_A_QUANTITY,
    NUMERAL_CHARS,
    NUMERAL_CLASS,
    article_label,
    to_int,
)

# 2.2 / 3.1.4 after a document's name, with 第 or 条 around it or right after the name (not 2.5万元).
_DECIMAL_REF = re.compile(rf"(?<![\d.．])(第)?({DECIMAL_NUMBER}){NOT_A_QUANTITY}(条|款|项)?")
NEAR = 8  # characters between a document's name (or its last clause) and a marked clause number
_BARE_ARTICLE = re.compile(rf"(?<![第\d.．{NUMERAL_CHARS}])(\d+)条(?:之(\d+|{NUMERAL_CLASS}+))?")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    document: str  # canonical short title
    article: str  # 第六百八十条
    span: tuple[int, int]  # where the reference stands in the normalised question


def with_di(text: str) -> str:
    """293条之一 -> 第293条之一 (people drop the 第)."""
    return _BARE_ARTICLE.sub(lambda m: "第" + m.group(0), text)


_NUMBER = rf"(\d+|{NUMERAL_CLASS}+)"
# 第1032条至第1034条 / 第1032至1034条 / 第1032-1034条 / 第1032到1034条: every article of the range.
_RANGE = re.compile(rf"第{_NUMBER}条?[ 　]*(至|到|-|－|—|~|～)[ 　]*第?{_NUMBER}条")
_DASHES = "-－—"
MAX_SUFFIX = 9  # 第293-1条: a dash to a smaller number up to this is 之一, the way 第293条之一 is shortened
# 第1033、1034条 / 第1033，第1034条 / 第1033条、1034、1035条: the numbers listed before one 条 are articles each.
_LISTED = re.compile(rf"第{_NUMBER}条?((?:[、，,及和与][ 　]*第?(?:\d+|{NUMERAL_CLASS}+))+)条")
MAX_RANGE = 20  # a longer range is a chapter's worth: its ends are looked up, not every article
# A bare number right after a document's name, where the question ends or asks about it: 民法典1033.
_BARE_NUMBER = re.compile(
    r"^》?[ 　]*(\d{1,4})(?![.．]\d)(?=[ 　]*(?:$|[，。？?！!,.；;：:]|是|说|讲|规定|怎么|啥|什么|的?内容|写|有))"
)


# A document's title right before an article number: 「劳动合同法第39条」, 「《反洗钱法》第十条」.
_TITLE_BEFORE = re.compile(
    rf"(?:《([^《》]{{2,40}})》|([\u4e00-\u9fff]{{2,20}}?(?:法典|修正案|{NAME_SUFFIX.pattern})))[ 　]*$"
)


_LEAD_IN = re.compile(r"[和与及、，,。？?；;：:的或条在]|根据|依照|按照|依据|按|请问|关于")


def spelled_out(text: str) -> str:
    """Ranges and lists of articles written out one by one (第1032条至第1034条 -> 第1032条、第1033条、第1034条);
    第293-1条 is 第293条之一."""

    def numbers(first: str, last: str) -> list[int]:
        try:
            a, b = to_int(first), to_int(last)
        except ValueError:
            return []
        return list(range(a, b + 1)) if 0 < b - a <= MAX_RANGE else []

    def expand_range(match: re.Match[str]) -> str:
        first, dash, last = match.groups()
        if (
            dash in _DASHES
            and last.isdigit()
            and first.isdigit()
            and 0 < int(last) <= MAX_SUFFIX
            and int(last) < int(first)
        ):
            return f"第{first}条之{last}"
        found = numbers(first, last)
        return "、".join(f"第{n}条" for n in found) if found else match.group(0)

    def expand_list(match: re.Match[str]) -> str:
        items = [match.group(1), *re.findall(rf"\d+|{NUMERAL_CLASS}+", match.group(2))]
        return "、".join(f"第{item}条" for item in items)

    return _LISTED.sub(expand_list, _RANGE.sub(expand_range, text))


def _label_of(match: re.Match[str], number: int, suffix: int | None) -> str:
    """The article's label; as typed when its number has no Chinese numeral (第99999999999条: no document
    holds it, and the lookup says so instead of failing)."""
    try:
        return article_label(number, suffix)
    except ValueError:
        return match.group(0)


def _name_pattern(names: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted({n for n in names if n}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)  # PIPL, pipl, Pipl


def _unknown_title(text: str, start: int, known_end: int) -> str | None:
    """The title standing right before an article number at ``start`` when it is not the document
    mention that ends at ``known_end`` (a 》 or a space may separate them)."""
    match = _TITLE_BEFORE.search(text, 0, start)
    if match is None or (known_end >= match.start() and not text[known_end:start].strip("》 　")):
        return None  # the title is the document the mention names (「《民法典》 1033」), not 刑法修正案
    if match.group(1):
        return match.group(1)
    return _LEAD_IN.split(match.group(2))[-1] or None  # 「条和劳动合同法」 names 劳动合同法


class ReferenceFinder:
    """Finds (document, article) references using the alias table's surface forms.

    ``numbered``: (canonical name, label) of every numbered clause the index holds (1.1 / 2.3.1); a
    decimal after a document that numbers no clause so (刑法中3.5年) is no reference."""

    def __init__(
        self,
        names: Sequence[str],
        resolve: Callable[[str], str | None],
        fuzzy: FuzzyNames | None = None,
        numbered: Collection[tuple[str, str]] = (),
    ) -> None:
        self._names = _name_pattern(names)
        self._resolve = resolve
        self._fuzzy = fuzzy
        self._clauses = frozenset(numbered)
        self._numbered_docs = frozenset(doc for doc, _ in self._clauses)

    def documents(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Every document named in the text, canonical short title and span (exact names first,
        then mentions that shorten a name, where no exact name stands)."""
        clean = without_state_prefix(text)
        found = []
        for match in self._names.finditer(clean):
            canonical = self._resolve(match.group(0))
            if canonical:
                found.append((canonical, match.span()))
        if self._fuzzy is not None:
            taken = [span for _, span in found]
            for canonical, (start, end) in self._fuzzy.find(clean):
                if not any(s < end and start < e for s, e in taken):
                    found.append((canonical, (start, end)))
        return sorted(found, key=lambda item: item[1])

    def _numbered_after_names(self, text: str) -> str:
        """A bare number right after a document's name (民法典1033, 《民法典》 1033 是什么) as 第1033条."""
        for _, (_, end) in reversed(self.documents(text)):
            match = _BARE_NUMBER.match(text[end:])
            if match is not None:
                start, stop = end + match.start(1), end + match.end(1)
                text = f"{text[:start]}第{match.group(1)}条{text[stop:]}"
        return text

    def _read(self, text: str, asked: bool) -> str:
        """The text as references are read in it; ``asked``: it is what a user typed (a question, a
        lookup), where a range or list of articles names each of them and a bare number after a name
        is an article. A provision's text is read without them (its cross-references, which the
        ranker learned)."""
        clean = with_di(without_state_prefix(text))
        return spelled_out(self._numbered_after_names(clean)) if asked else clean

    def find(self, text: str, asked: bool = False) -> list[ArticleRef]:
        """The references of a text (``asked``: see _read); an article after a title the index lacks
        is none, in what a user typed."""
        clean = self._read(text, asked)
        articles = list(ARTICLE_RE.finditer(clean))
        decimals = list(_DECIMAL_REF.finditer(clean))
        if not any(match.start() > 0 for match in [*articles, *decimals]):
            return []  # a document is named before its article: none can be (most passages open with their own label)
        docs = self.documents(clean)
        refs = self._numbered(decimals, docs)
        for match in articles:
            try:
                number = to_int(match.group(1))
                suffix = to_int(match.group(2)) if match.group(2) else None
            except ValueError:
                continue
            before = [d for d in docs if d[1][1] <= match.start()]
            if not before or (asked and _unknown_title(clean, match.start(), before[-1][1][1])):
                continue
            refs.append(ArticleRef(before[-1][0], _label_of(match, number, suffix), match.span()))
        return sorted(refs, key=lambda ref: ref.span)

    def unknown_documents(self, text: str) -> list[str]:
        """Titles a user's text names an article of that are no document of the index (「劳动合同法第39
        条」 where only 民法典 is indexed): their articles are not another document's."""
        clean = self._read(text, asked=True)
        ends = [end for _, (_, end) in self.documents(clean)]
        found = []
        for match in ARTICLE_RE.finditer(clean):
            known = max((end for end in ends if end <= match.start()), default=-1)
            title = _unknown_title(clean, match.start(), known)
            if title:
                found.append(title)
        return list(dict.fromkeys(found))

    def _numbered(
        self, matches: Sequence[re.Match[str]], docs: Sequence[tuple[str, tuple[int, int]]]
    ) -> list[ArticleRef]:
        """Numbered clauses (2.2) named after their document: a clause the index holds within two
        characters of the name (《…》2.2, 规范里2.2) or of the document's reference before it; marked
        by 第 or 条, within NEAR characters, also one the document lacks (it is refused as missing)."""
        refs: list[ArticleRef] = []
        reach: dict[str, int] = {}  # where each document's name or last clause reference ends
        for match in matches:
            before = [d for d in docs if d[1][1] <= match.start()]
            if not before:
                continue
            doc = before[-1][0]
            gap = match.start() - max(before[-1][1][1], reach.get(doc, 0))
            label = re.sub("．", ".", match.group(2))
            marked = bool(match.group(1) or match.group(3))
            held = (doc, label) in self._clauses
            if (held and gap <= 2) or (marked and gap <= NEAR and (held or doc in self._numbered_docs)):
                refs.append(ArticleRef(doc, label, match.span()))
                reach[doc] = match.end()
        return refs
