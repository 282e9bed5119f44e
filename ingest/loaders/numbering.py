"""Word's automatic numbering: the 第一条 / 第一章 / 1.1 a paragraph shows but does not hold in its text.

Company policies are often written in Word with list numbering (a 「第%1条」 level in
chineseCounting, a 「%1.%2」 outline): the number is drawn by Word from numbering.xml, and the
paragraph's text starts at the clause body. Read as plain text, such a policy has no 第X条 and
was kept whole as one 全文 passage. ``ListNumbers`` replays the counters in document order
(each w:num instance counts on its own; a level counting resets the deeper ones) and renders
each level's w:lvlText with its w:numFmt, so the loader can put the number back in front of the
text. It reads the WordprocessingML elements only (lxml), never python-docx itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from regkb.numerals import int_to_cn

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


FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(ord(c) + 0xFEE0) for c in str(n)),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "chineseCounting": _cn,
    "chineseCountingThousand": _cn,
    "chineseLegalSimplified": _cn,
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


def _val(element: object, tag: str) -> str | None:
    child = element.find(f"{W}{tag}") if element is not None else None  # type: ignore[attr-defined]
    return None if child is None else child.get(f"{W}val")


def _levels(abstract: object) -> dict[int, Level]:
    levels = {}
    for lvl in abstract.findall(f"{W}lvl"):  # type: ignore[attr-defined]
        start = _val(lvl, "start")
        levels[int(lvl.get(f"{W}ilvl", "0"))] = Level(
            int(start) if start and start.lstrip("-").isdigit() else 1,
            _val(lvl, "numFmt") or "decimal",
            _val(lvl, "lvlText") or "",
        )
    return levels


class ListNumbers:
    """The rendered list number of each numbered paragraph, in the order paragraphs are asked."""

    def __init__(self, numbering: object | None) -> None:
        """``numbering``: the w:numbering element of the package (None when it has none)."""
        abstracts = {
            a.get(f"{W}abstractNumId"): _levels(a)
            for a in (numbering.findall(f"{W}abstractNum") if numbering is not None else [])  # type: ignore[attr-defined]
        }
        self._levels: dict[str, dict[int, Level]] = {}
        for num in numbering.findall(f"{W}num") if numbering is not None else []:  # type: ignore[attr-defined]
            levels = dict(abstracts.get(_val(num, "abstractNumId"), {}))
            for override in num.findall(f"{W}lvlOverride"):
                ilvl = int(override.get(f"{W}ilvl", "0"))
                start = _val(override, "startOverride")
                if ilvl in levels and start and start.isdigit():
                    levels[ilvl] = Level(int(start), levels[ilvl].fmt, levels[ilvl].text)
            self._levels[num.get(f"{W}numId")] = levels
        self._counters: dict[str, dict[int, int]] = {}

    def label(self, num_id: str | None, ilvl: int) -> str:
        """The number Word draws for the next paragraph of that list and level ("" for none or a bullet)."""
        levels = self._levels.get(num_id or "", {})
        level = levels.get(ilvl)
        if level is None or level.fmt == "bullet":
            return ""
        counters = self._counters.setdefault(num_id or "", {})
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a level counting restarts the levels below it
        text = level.text
        for k in range(9, 0, -1):
            if f"%{k}" in text:
                shown = levels.get(k - 1)
                value = counters.get(k - 1, shown.start if shown else 1)
                render = FORMATS.get(shown.fmt if shown else "decimal", str)
                text = text.replace(f"%{k}", render(value))
        return text.strip()
