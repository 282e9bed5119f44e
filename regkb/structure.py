"""Chinese legal structure: headings (编/分编/部分/章/节), articles (第X条, 第X条之Y), numbered clauses
(1.1 / 2.3.1, the way many company policies number theirs, or flat 1、 2、 3、; clauses （一） or 1、
numbered again under each 一、 chapter title are 2.1, 2.2 …), 一、 items, 全文.

``parse(text)`` walks the lines once. Every line ends up either as a heading or inside
exactly one provision, so the provisions plus the headings reproduce the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import pairwise

from regkb.numerals import DECIMAL_NUMBER, NOT_A_QUANTITY, NUMERAL_CLASS, cn_to_int, to_int
from regkb.script import traditional_shadow
from regkb.types import Provision

_NUM = rf"(?:{NUMERAL_CLASS}+|\d+)"
# A number as letter-spaced text writes it (「第 十 一 条」: a typeset or exported document).
_SPACED_NUM = rf"(?:{NUMERAL_CLASS}(?:[ 　]*{NUMERAL_CLASS})*|\d+)"
# 「第二部分 外访管理」: a part of a company policy, ranked as a 编.
HEADING_RE = re.compile(rf"^第[ 　]*{_SPACED_NUM}[ 　]*(分编|编|部分|章|节)(?:[\s　]+\S.*)?$")
# 「第一条」 (what follows it is not 「第一条规定的……」), 「第 一 条」, 「【第一条】」.
ARTICLE_RE = re.compile(
    rf"^(?:[【\[]第[ 　]*({_SPACED_NUM})[ 　]*条(?:之({_NUM}))?[】\]]"
    rf"|第[ 　]*({_SPACED_NUM})[ 　]*条(?:之({_NUM}))?(?=[\s　]|$|[^\s　规的、，,至和或及中]))"
)
# 「第一条、」 / 「第一条，」: labels a careless policy types, read as labels only when a whole run of them
# counts up from 第一条 and no line opens an article the usual way (else 「第十条、第十一条规定的……」).
_LOOSE_ARTICLE_RE = re.compile(rf"^第[ 　]*({_SPACED_NUM})[ 　]*条(?:之({_NUM}))?[、，,]")
ITEM_RE = re.compile(rf"^({NUMERAL_CLASS}+)、")
# A numbered clause of a policy written without 第X条: 1.1 / 2.3.1 (half- or full-width dots), then text.
DECIMAL_RE = re.compile(rf"^({DECIMAL_NUMBER})(?:[.．、](?!\d))?{NOT_A_QUANTITY}(?=[\s　]*\S)")
MIN_DECIMAL_CLAUSES = 3  # fewer numbered lines than this are a list, not the document's structure
# A clause of a policy numbered flat, its text on the same line, by how the number is written: 1、 /
# 1. / 1． ("dot"), 1） ("close"), （1） ("paren"). A policy keeps to one; the others number lists inside it.
FLAT_FORMS = {
    "dot": re.compile(rf"^(\d{{1,3}})[、.．](?!\d){NOT_A_QUANTITY}[\s　]*\S"),
    "close": re.compile(rf"^(\d{{1,3}})[)）]{NOT_A_QUANTITY}[\s　]*\S"),
    "paren": re.compile(rf"^[（(](\d{{1,3}})[)）]{NOT_A_QUANTITY}[\s　]*\S"),
}
MAX_GAP = 3  # an outline may skip a deleted clause or two (2.3 → 2.5), not more
# An item of a list (「2、」 「2.」 「二、」), and the dot leader and page number a contents entry ends with.
_LIST_ITEM = re.compile(rf"^(\d{{1,2}}|{NUMERAL_CLASS}+)[\s　]*[、.．)）]")
_LEADER = re.compile(r"(?:[\s　]*(?:[.．·…‥_]{2,}|\t)[\s　]*|[\s　]+)\d{1,3}[\s　]*$")
# A chapter title of a numbered policy: 「1 总则」, 「2、呼叫管理」, 「3. 附则」.
SECTION_RE = re.compile(r"^\d{1,2}(?:[、.．]|[\s　])[\s　]*[^\d\s　.．]")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
# A chapter title with the chapter's first article on the same line (「第一章 总则 第一条 为了……」).
_TITLE_THEN_ARTICLE = re.compile(
    rf"^([ 　]*第[ 　]*{_SPACED_NUM}[ 　]*(?:分编|编|部分|章|节)[ 　]+[^\s　。，；：]{{1,20}})[ 　]+(?=第[ 　]*{_SPACED_NUM}[ 　]*条)"
)
# A clause numbered （一） （二） under a 一、 chapter title (its text on the same line).
_CN_CLAUSE_RE = re.compile(rf"^[（(]({NUMERAL_CLASS}+)[)）][\s　]*\S")
# A group title such as "（二）不动产抵押" standing alone right before an article.
SUBHEADING_RE = re.compile(rf"^（{NUMERAL_CLASS}+）[^\s。，；;：:、,.]{{2,20}}$")
_SENTENCE_END = "。；：！？"
_KIND_RANK = {"编": 2, "部分": 2, "分编": 3, "章": 4, "节": 5}


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    rank: int
    start: int


@dataclass(slots=True)
class _Open:
    """A provision being collected."""

    label: str
    number: int | None
    suffix: int | None
    heading_path: tuple[str, ...]
    start: int
    end: int


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for every line, offsets into text."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _clean_heading(text: str) -> str:
    return re.sub(r"[\s　]+", " ", text).strip()


def heading_of(line: str, first: bool) -> Heading | None:
    """A heading line, or None. ``first``: no content has been seen yet (title position)."""
    stripped = line.strip()
    md = MD_HEADING_RE.match(stripped)
    if md:
        body = _clean_heading(md.group(2))
        return Heading(body, len(md.group(1)), 0) if body else None
    if len(stripped) > 40 or any(ch in stripped for ch in _SENTENCE_END):
        return None
    match = HEADING_RE.match(stripped)
    if match:
        return Heading(_clean_heading(stripped), _KIND_RANK[match.group(1)], 0)
    return None


def _article_of(line: str, loose: bool = False) -> tuple[str, int, int | None] | None:
    """(label, number, suffix) of a line that opens an article; the label as the text writes it,
    without brackets or letter spacing (「【第 十 一 条】」 → 第十一条). ``loose``: 「第一条、」 opens one too."""
    match = ARTICLE_RE.match(line.strip())
    if not match and loose and (found := _LOOSE_ARTICLE_RE.match(line.strip())):
        match = found
        written, tail = re.sub(r"[ 　]", "", found.group(1)), found.group(2)
    elif not match:
        return None
    else:
        written = re.sub(r"[ 　]", "", match.group(1) or match.group(3))
        tail = match.group(2) or match.group(4)
    try:
        number = to_int(written)
        suffix = to_int(tail) if tail else None
    except ValueError:
        return None
    return f"第{written}条" + (f"之{tail}" if tail else ""), number, suffix


def _follows(prev: tuple[int, int] | None, number: int, suffix: int | None) -> bool:
    """Articles are numbered upwards; a smaller number is a cross-reference, not an article."""
    if prev is None:
        return True
    key = (number, suffix or 0)
    return key > (prev[0], prev[1]) and number <= prev[0] + 30


def _has_articles(text: str) -> bool:
    return any(_article_of(line) for _, line in _lines(text))


def _has_loose_articles(text: str) -> bool:
    """Articles labelled 「第一条、」 number the document: at least MIN_DECIMAL_CLAUSES of them, from
    第一条, each counting on by at most MAX_GAP (one in ten may break the order)."""
    keys = [found[1] for _, line in _lines(text) if (found := _article_of(line, loose=True))]
    broken = sum(1 for a, b in pairwise(keys) if not 0 < b - a <= MAX_GAP)
    return len(keys) >= MIN_DECIMAL_CLAUSES and keys[0] == 1 and broken <= len(keys) // 10


def _decimal_of(line: str) -> tuple[int, ...] | None:
    """The clause number of a line that starts a numbered clause (「2.3 催收人员不得……」 → (2, 3))."""
    match = DECIMAL_RE.match(line.strip())
    if not match:
        return None
    return tuple(int(part) for part in re.split(r"[.．]", match.group(1)))


def follows_clause(last: tuple[int, ...], key: tuple[int, ...]) -> bool:
    """key can number the clause after last in an outline: one level down (2.3 → 2.3.1), or a level
    counting on by at most MAX_GAP (2.3.1 → 2.4, a new chapter 2.4 → 3.1, a missing one 1.3 → 3.1). A
    table of contents read again (1.1 after 5.2) or an amount at a line start (5.5 after 2.1) cannot."""
    if not last:
        return True
    if len(key) > len(last) and key[: len(last)] == last:
        return all(part <= MAX_GAP for part in key[len(last) :])
    for k in range(min(len(last), len(key))):
        # a chapter is skipped only where a clause opens the next one (1.3 → 3.1, not 1.3 → 5.5)
        opens_chapter = k == 0 and all(part == 1 for part in key[1:])
        if key[:k] == last[:k] and 0 < key[k] - last[k] <= (MAX_GAP if k or opens_chapter else 1):
            return all(part <= MAX_GAP for part in key[k + 1 :])
    return False


def _has_decimals(text: str, start: int) -> bool:
    """Numbered clauses number the document as an outline from ``start`` (after any table of
    contents), at least MIN_DECIMAL_CLAUSES of them (one line in ten, at least one, may break the order)."""
    keys = [key for offset, line in _lines(text) if offset >= start and (key := _decimal_of(line))]
    broken = sum(1 for a, b in pairwise(keys) if not follows_clause(a, b))
    return len(keys) >= MIN_DECIMAL_CLAUSES and broken <= max(1, len(keys) // 10)


def _flat_of(line: str, form: str) -> int | None:
    """The number of a line that opens a flat-numbered clause written in ``form`` (「3、外访应当两人同行。」
    → 3 in the "dot" form)."""
    match = FLAT_FORMS[form].match(line.strip())
    return int(match.group(1)) if match else None


def _flat_form(text: str, start: int) -> tuple[int, str] | None:
    """(clauses, form) of the flat numbering that numbers the whole document from ``start``, or None:
    at least MIN_DECIMAL_CLAUSES clauses, from 1, each counting on by at most MAX_GAP (one in ten may
    break the order). A numbering that starts again in every chapter, or a short list in a notice,
    is no such outline."""
    for form in FLAT_FORMS:
        keys = [
            key
            for offset, line in _lines(text)
            if offset >= start and (key := _flat_of(line, form)) is not None
        ]
        broken = sum(1 for a, b in pairwise(keys) if not 0 < b - a <= MAX_GAP)
        if len(keys) >= MIN_DECIMAL_CLAUSES and keys[0] == 1 and broken <= len(keys) // 10:
            return len(keys), form
    return None


def _bare(line: str) -> str:
    """A line without its Markdown heading marks (「## 一、总则」 → 「一、总则」)."""
    md = MD_HEADING_RE.match(line.strip())
    return md.group(2) if md else line.strip()


def _sub_of(line: str, style: str) -> int | None:
    """The number of a line that opens a clause of a chapter in the outline's style: 「（二）……」 (cn) or
    a flat form's (「2、……」, 「2）……」, 「（2）……」)."""
    if style in FLAT_FORMS:
        return _flat_of(line, style)
    match = _CN_CLAUSE_RE.match(line.strip())
    return _number_of(match.group(1)) if match else None


def _outline_chapter(line: str, expected: int) -> bool:
    """The line is the title of chapter ``expected`` of an outline: 「二、外访要求」 or 「第二章 外访要求」
    (「第二部分 ……」), Markdown heading marks or not."""
    bare = _bare(line)
    if _title_like(bare) and _item_of(bare, expected):
        return True
    heading = HEADING_RE.match(bare)
    if heading is None or heading.group(1) not in ("章", "部分") or len(bare) > 40:
        return False
    return _number_of(re.sub(r"[ 　]", "", bare[1 : heading.start(1)])) == expected


def _outline_style(text: str) -> tuple[int, str] | None:
    """A policy in chapters whose titles are 一、 二、 … (or 第一章 …) lines, each numbering its clauses again from 1
    (（一） （二） … or 1、 2、 …): (clauses, the style of their numbers), or None. At least two chapters hold
    clauses, MIN_DECIMAL_CLAUSES in all, each chapter's counting on by at most MAX_GAP (one in ten
    may break the order)."""
    found: list[tuple[int, str]] = []
    for style in ("cn", *FLAT_FORMS):
        runs: list[list[int]] = []
        for _, line in _lines(text):
            if _outline_chapter(line, len(runs) + 1):
                runs.append([])
            elif runs and (number := _sub_of(line, style)) is not None:
                runs[-1].append(number)
        filled = [run for run in runs if run]
        count = sum(len(run) for run in filled)
        broken = sum(1 for run in filled for a, b in pairwise([0, *run]) if not 0 < b - a <= MAX_GAP)
        if len(filled) >= 2 and count >= MIN_DECIMAL_CLAUSES and broken <= count // 10:
            found.append((count, style))
    return max(found) if found else None


def _numbering(text: str, start: int) -> tuple[str, str] | None:
    """("flat", form) or ("outline", style) for a policy numbered without 第X条 or decimals, whichever
    numbers more clauses: a list 1、 2、 … inside one chapter of an outline is not the document's."""
    flat, outline = _flat_form(text, start), _outline_style(text)
    if flat and (outline is None or flat[0] >= outline[0]):
        return "flat", flat[1]
    return ("outline", outline[1]) if outline else None


def _chapter_of(line: str) -> int | None:
    """The number of a chapter title line (「1 总则」, 「二、呼叫管理」): short, no sentence, no table row."""
    stripped = line.strip()
    if not _title_like(stripped) or "|" in stripped or _decimal_of(stripped) is not None:
        return None
    section = re.match(r"^(\d{1,2})", stripped) if SECTION_RE.match(stripped) else None
    if section:
        return int(section.group(1))
    item = ITEM_RE.match(stripped)
    return _number_of(item.group(1)) if item else None


def _number_of(text: str) -> int | None:
    try:
        return to_int(text)
    except ValueError:
        return None


def _body_start(text: str) -> int:
    """Where the outline begins for good: after a table of contents, the offset of the line where the
    numbering (of clauses or chapters) starts again from its first number; 0 when it never does. The
    contents are one block: every line from its first numbered entry to there is short once its dot
    leader and page number are dropped (a body's paragraphs are sentences)."""
    lines = [(offset, _contents_entry(line)) for offset, line in _lines(text) if line.strip()]
    numbered = [
        (i, offset, key)
        for i, (offset, line) in enumerate(lines)
        if (key := _decimal_of(line) or ((n,) if (n := _chapter_of(line)) is not None else None))
    ]
    if not numbered:
        return 0
    first_line, _, first = numbered[0]
    for i, offset, key in numbered[1:]:
        if key <= first:
            return offset if all(_title_like(line) for _, line in lines[first_line:i]) else 0
    return 0


def _contents_entry(line: str) -> str:
    """A line without the dot leader and page number a table of contents ends it with (「1.1 目的 …… 3」)."""
    return _LEADER.sub("", line)


def _title_like(line: str) -> bool:
    """A short line without sentence punctuation: a title, not a clause (「2.3 禁止行为」, 「二、总则」)."""
    stripped = line.strip()
    return len(stripped) <= 30 and not any(ch in stripped for ch in f"{_SENTENCE_END}，,")


def _item_of(line: str, expected: int) -> str | None:
    match = ITEM_RE.match(line.strip())
    if not match:
        return None
    try:
        value = cn_to_int(match.group(1))
    except ValueError:
        return None
    return match.group(1) if value == expected else None


def parse(text: str) -> list[Provision]:
    """Split a document body into provisions (see module doc). A body in traditional characters is
    parsed from its simplified shadow (第一條 is 第一条, 第二章 總則 a heading), each provision's text cut
    from the body as written; labels and headings are read in simplified characters."""
    shadow = traditional_shadow(text)
    if shadow is None:
        return list(_Parser(text).run())
    return [replace(p, text=text[p.start : p.end]) for p in _Parser(shadow).run()]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.loose = not _has_articles(text) and _has_loose_articles(text)  # 「第一条、」 labels
        articles = self.loose or _has_articles(text)
        start = 0 if articles else _body_start(text)
        self.style = ""  # in flat and outline mode, how the clauses are numbered (see _sub_of)
        if articles:
            self.mode = "article"
        elif _has_decimals(text, start):
            self.mode = "decimal"
        elif numbering := _numbering(text, start):
            self.mode, self.style = numbering
        else:
            self.mode = "item" if self._has_items() else "whole"
        self.stack: list[Heading] = []
        self.current: _Open | None = None
        self.last_key: tuple[int, int] | None = None
        self.last_clause: tuple[int, ...] = ()  # in decimal and outline mode (2, 3); in flat mode (3,)
        self.body_from = start if self.mode in ("decimal", "flat") else 0  # where a table of contents ends
        self.offset = 0  # of the line being read
        self.previous = ""  # the line read before it
        self.next_line = ""  # and the one after it
        self.next_item = 1  # in item mode the next 一、 item; in outline mode the next 一、 chapter
        self.chapter = 0  # in outline mode, the chapter being read
        self.title_taken = False

    def _has_items(self) -> bool:
        expected = 1
        for _, line in _lines(self.text):
            if _item_of(line, expected):
                expected += 1
        return expected > 2

    def path(self) -> tuple[str, ...]:
        return tuple(h.text for h in self.stack)

    def run(self) -> Iterator[Provision]:
        lines = [
            part for offset, line in _lines(self.text) if line.strip() for part in self._split(offset, line)
        ]
        for i, (offset, line) in enumerate(lines):
            self.offset = offset
            self.next_line = lines[i + 1][1] if i + 1 < len(lines) else ""
            heading = self._heading(line)
            if heading is None and i + 1 < len(lines):
                heading = self._subheading(line, lines[i + 1][1])
            if heading is not None:
                self.previous = line
                yield from self._close()
                self._push(heading)
                continue
            opened = self._opens(line, offset)
            if opened is not None:
                yield from self._close()
                self.current = opened
            elif self.current is None:
                label = "全文" if self.mode == "whole" else ""
                self.current = _Open(label, None, None, self.path(), offset, offset)
            self.current.end = offset + len(line.rstrip())
            self.previous = line
        yield from self._close()

    def _split(self, offset: int, line: str) -> list[tuple[int, str]]:
        """A chapter title and the article that shares its line, as two lines (article mode only)."""
        match = _TITLE_THEN_ARTICLE.match(line) if self.mode == "article" else None
        if match is None:
            return [(offset, line)]
        return [(offset, match.group(1)), (offset + match.end(), line[match.end() :])]

    def _heading(self, line: str) -> Heading | None:
        heading = heading_of(line, first=not self.title_taken)
        if heading is None and self.mode == "decimal":
            return self._outline_title(line)
        if heading is None and self.mode == "flat" and ITEM_RE.match(line.strip()) and _title_like(line):
            return Heading(_clean_heading(line), 2, 0)  # 「二、电话催收」 over clauses 5、 6、 …
        if self.mode == "outline" and _outline_chapter(line, self.next_item):
            self.chapter, self.next_item, self.last_clause = self.next_item, self.next_item + 1, ()
            return heading or Heading(
                _clean_heading(_bare(line)), 2, 0
            )  # 「二、外访要求」 over its （一） （二） …
        if heading is None:
            return None
        if self.mode == "decimal":
            self._anchor(heading.text)
        if self.mode == "whole" and heading.rank > 1:
            return None  # a 全文 document has no structure below its title
        return heading

    def _anchor(self, title: str) -> None:
        """A chapter heading (「## 3 管理要求」, 「第三章 管理要求」) anchors the outline: 3.1 follows it."""
        match = re.match(rf"^(?:第({_NUM})章|(\d{{1,2}})(?:[、.．]|[\s　]))", title)
        if match is None or _decimal_of(title) is not None:
            return
        number = to_int(match.group(1) or match.group(2))
        if not self.last_clause or 0 < number - self.last_clause[0] <= MAX_GAP:
            self.last_clause = (number,)

    def _outline_title(self, line: str) -> Heading | None:
        """In a numbered policy, a chapter title line (「2 呼叫管理」 / 「二、总则」, rank 2): short, its
        number the next chapter's (or a later one whose first clause follows it), and not an item of a
        list (after 「……下列行为：」 or after item n−1), unless its own clause n.1 follows it."""
        number = _chapter_of(line)
        if number is None or self.offset < self.body_from:
            return None
        opens_chapter = (_decimal_of(self.next_line) or ())[:1] == (number,)
        gap = number - self.last_clause[0] if self.last_clause else 1
        if not (gap == 1 or (opens_chapter and 0 < gap <= MAX_GAP)):
            return None
        previous = "" if opens_chapter else self.previous.strip()
        item = _LIST_ITEM.match(previous)
        after_item = (
            item is not None and _decimal_of(previous) is None and _number_of(item.group(1)) == number - 1
        )
        if previous.endswith(("：", ":")) or after_item:
            return None
        self.last_clause = (number,)  # its clauses n.1, n.2 … follow it in the outline
        return Heading(_clean_heading(line), 2, 0)

    def _subheading(self, line: str, next_line: str) -> Heading | None:
        if (
            self.mode == "article"
            and SUBHEADING_RE.match(line.strip())
            and _article_of(next_line, self.loose)
        ):
            return Heading(line.strip(), 6, 0)
        return None

    def _push(self, heading: Heading) -> None:
        if heading.rank == 1 and not self.title_taken:
            self.title_taken = True  # the document title is not part of any heading path
            return
        while self.stack and self.stack[-1].rank >= heading.rank:
            self.stack.pop()
        self.stack.append(heading)

    def _opens(self, line: str, offset: int) -> _Open | None:
        if self.mode == "article":
            found = _article_of(line, self.loose)
            if found and _follows(self.last_key, found[1], found[2]):
                label, number, suffix = found
                self.last_key = (number, suffix or 0)
                return _Open(label, number, suffix, self.path(), offset, offset)
        elif self.mode == "decimal":
            key = _decimal_of(line)
            if key is not None and offset >= self.body_from and follows_clause(self.last_clause, key):
                self.last_clause = key
                return _Open(".".join(map(str, key)), None, None, self.path(), offset, offset)
        elif self.mode == "flat":
            flat = _flat_of(line, self.style)
            last = self.last_clause[0] if self.last_clause else 0
            if flat is not None and offset >= self.body_from and 0 < flat - last <= MAX_GAP:
                self.last_clause = (flat,)
                return _Open(str(flat), flat, None, self.path(), offset, offset)
        elif self.mode == "outline":
            sub = _sub_of(line, self.style)
            last = self.last_clause[-1] if self.last_clause else 0
            if sub is not None and self.chapter and 0 < sub - last <= MAX_GAP:
                self.last_clause = (self.chapter, sub)  # （三） of chapter 二 is clause 2.3
                return _Open(f"{self.chapter}.{sub}", None, None, self.path(), offset, offset)
            if _item_of(
                line, self.next_item
            ):  # a chapter that is one sentence: 「三、本规定自发布之日起施行。」
                self.chapter, self.next_item, self.last_clause = self.next_item, self.next_item + 1, ()
                while self.stack and self.stack[-1].rank >= 2:
                    self.stack.pop()  # it ends the chapter before it
                return _Open(str(self.chapter), None, None, self.path(), offset, offset)
        elif self.mode == "item":
            item = _item_of(line, self.next_item)
            if item:
                self.next_item += 1
                return _Open(item, self.next_item - 1, None, self.path(), offset, offset)
        return None

    def _close(self) -> Iterator[Provision]:
        if self.current is None:
            return
        cur = self.current
        self.current = None
        body = self.text[cur.start : cur.end]
        yield Provision(cur.label, cur.number, cur.suffix, cur.heading_path, body, cur.start, cur.end)


def article_count(provisions: list[Provision]) -> int:
    """How many 第X条 articles (the figure manifest.json's `articles` states)."""
    return sum(1 for p in provisions if p.label.startswith("第"))
