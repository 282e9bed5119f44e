"""Clock times in a question, and the hours a rule forbids, to tell whether a rule about hours
reaches the time asked about.

「下午三点可以给客户打电话吗？」 against 「主动联系……的时间为每日8:00至21:00。在此时段以外，不得拨打电话」:
15:00 lies inside the window, so that prohibition does not forbid the call; at 「晚上十点」 it does.
Times are hours of the day as floats (21.5 is 21:30); a window that runs past midnight
(「21:00至次日8:00」) ends past 24. A spoken hour without a part of the day (「九点半」) may be
morning or evening: both readings are kept, and a rule decides only when both fall on one side.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from regkb.numerals import to_int

DAY = 24.0
_PERIOD = "凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|深夜|明早|明晚|今晚|早|晚"
_EVENING = frozenset({"下午", "傍晚", "晚上", "夜里", "夜间", "深夜", "明晚", "今晚", "晚"})
_NUMBER = r"[0-9]{1,2}|二十[一二三四]?|十[一二]?|[零一二两三四五六七八九]"
# A spoken Chinese hour without a part of the day or minutes is a time only where a time is meant
# (「过九点了」, 「九点以后」); 「一点」 and 「两点」 are also "a little" and "two points", so for them a
# question's end or a comma after (「让客户重视一点，行吗」) and 快 / 差 before (「快一点」, 「差一点」) say nothing.
_TIME_AROUND = re.compile(r"^(?:以后|之后|后|以前|之前|前|了|钟|到|至|再|还|才|左右|多|的时候)")
_TIME_BEFORE = re.compile(r"(?:过|到|在|从|等|约|于|是|每天|每日)$")
_PLAIN_AROUND = re.compile(r"^(?:[，,。？?！!]|$)")
_PLAIN_BEFORE = re.compile(r"(?:快|差|不到)$")
_AMBIGUOUS = frozenset({"一", "两"})
CLOCK = re.compile(
    rf"(?P<period>{_PERIOD})?\s*(?:(?P<h24>[0-9]{{1,2}})[:：](?P<m24>[0-5][0-9])(?![0-9])"
    rf"|(?<![第0-9零一二两三四五六七八九十])(?P<hour>{_NUMBER})(?:点钟?|时(?![间候期段效刻]))"
    rf"(?P<minute>半|一刻|三刻|(?:[0-5]?[0-9]|[一二三四五]?十[一二三四五六七八九]?|[一二三四五六七八九])分"
    rf"|[0-5][0-9](?![0-9]))?)"
)
HOUR_MARKS = re.compile(
    r"[0-9零一二两三四五六七八九十](?:[:：][0-5][0-9]|时|点)"
)  # a text without one names no time
_SEPARATOR = r"\s*(?:至|到|—|－|-|~|～)\s*(?P<next>次日|第二天|翌日)?\s*"
MINUTE = 1 / 60
_LATER = re.compile(r"以后|之后|过后|后|多")  # right after a time: past it (in a rule, the hours past it)
_EARLIER = re.compile(r"以前|之前|前")  # right after a time: before it
_PAST = re.compile(r"过$|超过$")  # right before a time in a question
_NOT_YET = re.compile(r"快$|不到$|差$")
_ONLY = re.compile(r"只能|只可|仅限|仅能|仅在|限于|应当在|须在|必须在")  # the window is the one allowed
_OUTSIDE = re.compile(
    r"(?:时段|时间|时限|时间段|范围)(?:以外|之外|外)|以外的时间|之外的时间|超出(?:规定)?(?:时段|时间)"
)


def _minutes(text: str | None) -> float:
    if not text:
        return 0.0
    if text == "半":
        return 30.0
    if text in ("一刻", "三刻"):
        return 15.0 if text == "一刻" else 45.0
    return float(to_int(text.rstrip("分")))


def _readings(match: re.Match[str]) -> tuple[float, ...]:
    """The hours a matched time may mean (two for a spoken morning-or-evening hour)."""
    period = match.group("period") or ""
    if match.group("h24") is not None:
        hour, minute = int(match.group("h24")), float(match.group("m24"))
        spoken = False
    else:
        hour, minute = to_int(match.group("hour")), _minutes(match.group("minute"))
        spoken = True
    if hour > 24 or minute >= 60:
        return ()
    return _of_day(hour + minute / 60, period, spoken)


def _of_day(value: float, period: str, spoken: bool) -> tuple[float, ...]:
    if period in _EVENING and value < 13:  # 晚上十二点 is midnight
        return (value + 12,)
    if period in ("凌晨", "半夜") and value >= 12:
        return (value - 12,)
    if period == "中午" and value < 6:
        return (value + 12,)
    if period or not spoken or value < 1 or value >= 12:
        return (value,)
    return (value, value + 12)


def _is_time(text: str, match: re.Match[str]) -> bool:
    """Whether a spoken hour is a time of day (「一点」 may be "a little", 「两点」 "two points")."""
    if match.group("period") or match.group("h24") is not None or match.group("minute"):
        return True
    hour = match.group("hour")
    if hour.isdigit() or match.group(0).endswith("钟"):
        return True
    after, before = text[match.end() :], text[: match.start()]
    if _TIME_AROUND.match(after) or _TIME_BEFORE.search(before):
        return True
    return hour not in _AMBIGUOUS and bool(_PLAIN_AROUND.match(after) or _PLAIN_BEFORE.search(before))


def times(text: str) -> list[tuple[float, ...]]:
    """Every clock time the text names, each as the hours it may mean; a time said to be passed or not
    yet reached (「晚上九点以后」, 「过九点」, 「九点多」, 「八点前」, 「快九点」) a minute after or before it, so
    a window's last minute does not admit 「九点以后」."""
    found = []
    for match in CLOCK.finditer(text):
        readings = _readings(match) if _is_time(text, match) else ()
        if readings:
            before, after = text[max(0, match.start() - 2) : match.start()], text[match.end() :]
            shift = _LATER.match(after) or _PAST.search(before)
            shift_back = _EARLIER.match(after) or _NOT_YET.search(before)
            step = MINUTE if shift and not shift_back else -MINUTE if shift_back and not shift else 0.0
            found.append(tuple(hour + step for hour in readings))
    return found


def without_times(text: str) -> str:
    """The text with its clock times taken out (a follow-up naming another time replaces them)."""
    return CLOCK.sub(lambda m: "" if _is_time(text, m) and _readings(m) else m.group(0), text)


def windows(text: str) -> list[tuple[float, float, int, int]]:
    """(start, end, offset, end offset) of each 「A至B」 window in the text; end past 24 when it
    runs into the next day (「21:00至次日8:00」, 「22时至6时」)."""
    out = []
    spans = [(m, _readings(m)) for m in CLOCK.finditer(text)]
    for (first, a), (second, b) in itertools.pairwise(spans):
        between = re.fullmatch(_SEPARATOR, text[first.end() : second.start()])
        if between is None or not a or not b:
            continue
        start = a[0]  # a rule's spoken 「8点」 opens a day's window in the morning
        later = [hour for hour in b if hour > start]
        end = later[0] if later and between.group("next") is None else b[0]
        if end <= start:
            end += DAY
        out.append((start, end, first.start(), second.end()))
    return out


def _inside(hour: float, start: float, end: float) -> bool:
    return start <= hour <= end or start <= hour + DAY <= end


def forbidden(clause: str, passage: str, offset: int) -> Callable[[float], bool] | None:
    """The hours a prohibiting sentence forbids, or None when it says nothing of hours.

    ``passage`` is the provision's text and ``offset`` where the sentence starts in it: a sentence
    forbidding what lies outside 「此时段」 reads the window stated before it."""
    stated = windows(clause)
    if _OUTSIDE.search(clause) or (stated and _ONLY.search(clause[: stated[0][2]])):
        earlier = stated or windows(passage[:offset])[-1:]
        if not earlier:
            return None
        start, end = earlier[-1][:2]
        return lambda hour: not _inside(hour, start, end)
    if stated:
        start, end = stated[0][:2]
        return lambda hour: _inside(hour, start, end)
    earliest = latest = None  # 「不得早于7:00或者晚于22:00」, 「22:00后不得……」
    for match in CLOCK.finditer(clause):
        readings = _readings(match)
        if not readings:
            continue
        before, after = clause[max(0, match.start() - 3) : match.start()], clause[match.end() :]
        if "早于" in before or _EARLIER.match(after):
            earliest = readings[0]  # a rule's bare 「不得早于七点」 is the morning's
        elif "晚于" in before or "超过" in before or _LATER.match(after):
            latest = readings[-1]  # and 「九点以后不得」 the evening's
    if earliest is None and latest is None:
        return None

    def outside_bounds(hour: float) -> bool:
        return (earliest is not None and hour < earliest) or (latest is not None and hour > latest)

    return outside_bounds


def reach(asked: Sequence[tuple[float, ...]], rule: Callable[[float], bool]) -> bool | None:
    """True when the rule forbids every reading of every time asked about, False when it forbids
    none of them, None when they fall on both sides."""
    verdicts = {rule(hour) for readings in asked for hour in readings}
    return verdicts.pop() if len(verdicts) == 1 else None
