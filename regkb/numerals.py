"""Chinese numerals <-> integers, and article labels such as 第二百九十三条之一."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_DIGIT_CHARS = "零一二三四五六七八九"
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万"
NUMERAL_CLASS = f"[{NUMERAL_CHARS}]"


def cn_to_int(text: str) -> int:
    """Parse a Chinese numeral (一百零五, 两千, 十二, 二〇二一-style digit strings too)."""
    if not text:
        raise ValueError("empty numeral")
    if any(ch not in DIGITS and ch not in UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            continue
        unit = UNITS[ch]
        if unit == 10000:
            section = (section + (digit or 0)) * unit
            total += section
            section = 0
        else:
            section += (1 if digit is None else digit) * unit
        digit = None
    return total + section + (digit or 0)


def int_to_cn(number: int) -> str:
    """Write a positive integer below 100000 the way statutes do: 十二, 一百零五, 一千二百六十."""
    if number < 0 or number >= 100000:
        raise ValueError(f"out of range: {number}")
    if number == 0:
        return "零"
    if 10 <= number < 20:
        return "十" + (_DIGIT_CHARS[number - 10] if number > 10 else "")
    out: list[str] = []
    zero_pending = False
    for unit_value, unit_char in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = (number // unit_value) % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGIT_CHARS[d] + unit_char)
    return "".join(out)


def to_int(text: str) -> int:
    """Arabic or Chinese numeral to int."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return cn_to_int(text)


ARTICLE_RE = re.compile(rf"第({NUMERAL_CLASS}+|\d+)条(?:之({NUMERAL_CLASS}+|\d+))?")
# A policy's numbered clause (1.1 / 2.3.1), never a quantity or a table row: no per cent, amount unit
# or cell bar follows the number, spaces or not (2.5万元, 3.5 %, 1.5倍, 3.5个月, 「1.0 | 2024-01-01」),
# no digit right after it, and no date, version or page number after a space (「1.1 2024.1」). A
# clause's text may open with a figure (「2.2 24小时内……」). Only units that seldom open a clause's
# text are listed: 2.1个人信息…, 3.2人民法院…, 4.1年度考核… are clauses.
DECIMAL_NUMBER = r"\d{1,2}(?:[.．]\d{1,2}){1,3}"
NOT_A_QUANTITY = r"(?![\s　]*(?:[.．%％万亿元倍|]|个月|小时|周岁))(?!\d)(?![\s　]+\d+(?:[.．\-/年]|[\s　]|$))"
DECIMAL_LABEL = re.compile(rf"^{DECIMAL_NUMBER}$")
# The label a provision's text opens with: 第X条 (之Y), or a policy's numbered clause (2.3.1, 3、).
LEADING_LABEL = re.compile(
    r"^\s*(?:第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?[、，,：:]?"
    rf"|{DECIMAL_NUMBER}(?:[.．、](?!\d))?{NOT_A_QUANTITY}"
    rf"|(?:\d{{1,3}}(?:[、.．](?!\d)|[)）])|[（(]\d{{1,3}}[)）]){NOT_A_QUANTITY})\s*"
)


def article_label(number: int, suffix: int | None = None) -> str:
    """(293, 1) -> 第二百九十三条之一."""
    label = f"第{int_to_cn(number)}条"
    if suffix:
        label += f"之{int_to_cn(suffix)}"
    return label


def label_or_none(number: str, suffix: str | None = None) -> str | None:
    """("293", "一") -> 第二百九十三条之一, in numerals or digits; None when no statute writes it."""
    try:
        return article_label(to_int(number), to_int(suffix) if suffix else None)
    except ValueError:
        return None


def parse_article_label(label: str) -> tuple[int, int | None]:
    """第二百九十三条之一 -> (293, 1); also accepts 第293条之1."""
    match = ARTICLE_RE.fullmatch(label.strip())
    if not match:
        raise ValueError(f"not an article label: {label!r}")
    suffix = to_int(match.group(2)) if match.group(2) else None
    return to_int(match.group(1)), suffix


def normalize_article_refs(text: str) -> str:
    """Rewrite every 第50条 / 第五十条之1 in text to the canonical Chinese form."""

    def repl(match: re.Match[str]) -> str:
        try:
            number = to_int(match.group(1))
            suffix = to_int(match.group(2)) if match.group(2) else None
            return article_label(number, suffix)
        except ValueError:  # no number, or none a statute writes (第99999999999条)
            return match.group(0)

    return ARTICLE_RE.sub(repl, text)
