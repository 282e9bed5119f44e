"""Word's automatic numbering: the 第一条 / 第一章 / 1.1 a paragraph shows but does not hold in its text.

Company policies are often written in Word with list numbering (a 「第%1条」 level in
chineseCounting, a 「%1.%2」 outline): the number is drawn by Word from numbering.xml, and the
paragraph's text starts at the clause body. Read as plain text, such a policy has no 第X条 and
was kept whole as one 全文 passage. ``ListNumbers`` replays the counters in document order and
renders each level's w:lvlText with its w:numFmt, so the loader can put the number back in front
of the text. What it follows of Word's rules:

- list instances (w:num) of one definition (w:abstractNum) count together, unless an instance
  restarts with a w:startOverride, which gives it counters of its own;
- a level restarts when a higher level counts, or only the levels w:lvlRestart names (0: never);
- w:isLgl shows every level's counter in Arabic figures (一.1 becomes 1.1);
- a definition that only links to a numbering style (w:numStyleLink) takes the levels of the
  definition that style defines (w:styleLink);
- a w:lvlOverride holding a whole w:lvl replaces that level.

Not followed: numbering in table cells (rows are read as text) and legacy w:legacy fields. It
reads the WordprocessingML elements only (lxml), never python-docx itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from regkb.numerals import int_to_cn

if TYPE_CHECKING:
    from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _letters(n: int, upper: bool) -> str:
    letter = chr(ord("A" if upper else "a") + (n - 1) % 26)
    return letter * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + digits, n - value
    return out


def _cn(n: int) -> str:
    return int_to_cn(n) if 0 < n < 100000 else str(n)


_CAPITALS = str.maketrans("一二三四五六七八九十百千万零", "壹贰叁肆伍陆柒捌玖拾佰仟万零")

FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(ord(c) + 0xFEE0) for c in str(n)),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "chineseCounting": _cn,
    "chineseCountingThousand": _cn,
    "chineseLegalSimplified": lambda n: _cn(n).translate(_CAPITALS),  # 壹贰叁, as Word shows it
    "japaneseCounting": _cn,
    "taiwaneseCounting": _cn,
    "taiwaneseCountingThousand": _cn,
    "ideographTraditional": lambda n: _TIANGAN[(n - 1) % len(_TIANGAN)],
    "upperLetter": lambda n: _letters(n, True),
    "lowerLetter": lambda n: _letters(n, False),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "none": lambda n: "",
}


@dataclass(frozen=True, slots=True)
class Level:
    start: int
    fmt: str  # w:numFmt; "bullet" draws a symbol, not a number
    text: str  # w:lvlText, %1 … %9 standing for the levels' counters
    restart: int | None = None  # w:lvlRestart: restart after this one-based level (0 never); None: any higher
    legal: bool = False  # w:isLgl: every counter in Arabic figures


def _child(element: _Element | None, tag: str) -> _Element | None:
    return None if element is None else element.find(f"{W}{tag}")


def _val(element: _Element | None, tag: str) -> str | None:
    child = _child(element, tag)
    return None if child is None else child.get(f"{W}val")


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.lstrip("-").isdigit() else default


def _level(lvl: _Element) -> Level:
    restart = _val(lvl, "lvlRestart")
    legal = _child(lvl, "isLgl")
    return Level(
        _number(_val(lvl, "start"), 1),
        _val(lvl, "numFmt") or "decimal",
        _val(lvl, "lvlText") or "",
        _number(restart, 0) if restart is not None else None,
        legal is not None and legal.get(f"{W}val", "1") not in ("0", "false"),
    )


def _levels(abstract: _Element) -> dict[int, Level]:
    return {_number(lvl.get(f"{W}ilvl"), 0): _level(lvl) for lvl in abstract.findall(f"{W}lvl")}


class ListNumbers:
    """The rendered list number of each numbered paragraph, in the order paragraphs are asked."""

    def __init__(
        self, numbering: _Element | None, style_num: Callable[[str], str | None] = lambda _: None
    ) -> None:
        """``numbering``: the package's w:numbering element (None when it has none); ``style_num``:
        the numId a paragraph style's numPr names (to follow w:numStyleLink)."""
        abstracts = list(numbering.findall(f"{W}abstractNum")) if numbering is not None else []
        nums = list(numbering.findall(f"{W}num")) if numbering is not None else []
        num_abstract = {num.get(f"{W}numId"): _val(num, "abstractNumId") for num in nums}
        by_style = {link: a.get(f"{W}abstractNumId") for a in abstracts if (link := _val(a, "styleLink"))}
        defined = {a.get(f"{W}abstractNumId"): _levels(a) for a in abstracts}
        counted_as: dict[str | None, str | None] = {}
        for a in abstracts:
            link = _val(a, "numStyleLink")
            target = by_style.get(link) if link else None
            if link and target is None:
                target = num_abstract.get(style_num(link) or "")
            if link and target is not None and not defined[a.get(f"{W}abstractNumId")]:
                defined[a.get(f"{W}abstractNumId")] = defined.get(target, {})
                counted_as[a.get(f"{W}abstractNumId")] = target  # lists of one numbering style count on
        self._levels: dict[str, dict[int, Level]] = {}
        self._counter_key: dict[str, str] = {}
        for num in nums:
            num_id, abstract_id = num.get(f"{W}numId") or "", _val(num, "abstractNumId") or ""
            levels, own = dict(defined.get(abstract_id, {})), False
            for override in num.findall(f"{W}lvlOverride"):
                ilvl = _number(override.get(f"{W}ilvl"), 0)
                whole = _child(override, "lvl")
                if whole is not None:
                    levels[ilvl], own = _level(whole), True
                start = _val(override, "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl], own = replace(levels[ilvl], start=_number(start, 1)), True
            self._levels[num_id] = levels
            shared = counted_as.get(abstract_id, abstract_id)
            self._counter_key[num_id] = f"num:{num_id}" if own else f"abstract:{shared}"
        self._counters: dict[str, dict[int, int]] = {}

    def label(self, num_id: str | None, ilvl: int) -> str:
        """The number Word draws for the next paragraph of that list and level ("" for none or a bullet)."""
        levels = self._levels.get(num_id or "", {})
        level = levels.get(ilvl)
        if level is None or level.fmt == "bullet":
            return ""
        counters = self._counters.setdefault(self._counter_key.get(num_id or "", ""), {})
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart > 0 and ilvl < restart):
                del counters[deeper]  # restarts when a level at or above its lvlRestart counts
        text = level.text
        for k in range(9, 0, -1):
            if f"%{k}" in text:
                shown = levels.get(k - 1)
                value = counters.get(k - 1, shown.start if shown else 1)
                render = (
                    FORMATS["decimal"] if level.legal else FORMATS.get(shown.fmt if shown else "decimal", str)
                )
                text = text.replace(f"%{k}", render(value))
        return text.strip()
