"""How often a question says an act is done, and the caps a rule sets on it, to tell whether a cap
reaches the count asked about (as regkb.clock does for hours).

「一天给同一个客户打五次电话可以吗？」 against 「电话拨打每日不超过六次，其中接通后的实质沟通每日不超过三次」:
five calls a day are within the six calls a day allowed, so the cap does not forbid them; seven are
not. A cap applies to a count of the same act (a call, a text, a letter, a visit, a conversation),
over the same period (a day, a week, a month), in the same unit, reaching the same side (the debtor,
or a third party such as an emergency contact).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from regkb.numerals import to_int

_NUMBER = r"[0-9]{1,3}|[一二两三四五六七八九十]{1,3}"
# The acts, the question's first found, in this order (「打电话沟通」 is a call).
ACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("text", re.compile(r"短信|消息|文字提醒|微信")),
    ("letter", re.compile(r"信函|催收函|信件|寄信|函件")),
    ("visit", re.compile(r"上门|外访|走访|家访")),
    (
        "call",
        re.compile(
            r"电话|拨打|拨了|呼叫|外呼|回拨|打了|打给|打个|打一个|再打|打(?!算)(?=[^，。？?]{0,6}(?:次|遍|通))"
        ),
    ),
    ("talk", re.compile(r"沟通|通话|接通")),
)
_QUESTION_PERIODS = (
    ("day", re.compile(r"一天|每天|每日|一日|当天|今天|天天")),
    ("week", re.compile(r"[一每这本]周|[一每这]个?星期|[一这]个?礼拜")),
    ("month", re.compile(r"[一每这]个?月|本月")),
)
# Whom the act reaches: the debtor, or a third party (an emergency contact, a relative, a colleague).
_THIRD_PARTY = re.compile(r"紧急联系人|联系人(?!方式)|第三人|亲属|家人|家属|同事|父母|配偶|老婆|老公")
_RATE = re.compile(r"每(?:半|一|两|几)?个?(?:小时|钟头|分钟)|每隔")
_MORE = re.compile(r"再|又|补")  # 「已经打了六次，再打一次」: the counts add up
_RULE_PERIODS = {"每日": "day", "每天": "day", "当日": "day", "每周": "week", "每月": "month"}
PERIOD_WORDS = re.compile("|".join(_RULE_PERIODS))  # a text without one sets no cap
_UNITS = {"次": "times", "遍": "times", "通": "times", "趟": "times", "条": "items", "封": "letters"}
_ASKED = re.compile(
    rf"(?<![第0-9一二两三四五六七八九十])({_NUMBER})\s*(次|遍|通|趟|条|封)(?!性)"
)  # not 第一次, 一次性
_ORDINAL = re.compile(rf"第({_NUMBER})\s*(次|遍|通|趟|条|封)")  # 第四次: the fourth, so four in all
# The period, then what is counted (「每日主动呼叫同一债务人不得超过三次」) or nothing (「电话拨打每日不超过六次」),
# then the cap.
_CAP = re.compile(
    rf"(每日|每天|当日|每周|每月)([^，,。；;：:]{{0,14}}?)(?:不超过|不得超过|不多于|不得多于|最多|至多)\s*"
    rf"({_NUMBER})\s*(次|通|条|封)"
)


@dataclass(frozen=True, slots=True)
class Count:
    act: str
    period: str
    unit: str
    number: int
    third_party: bool = False  # the act reaches someone other than the debtor


def act(text: str) -> str | None:
    """The act a text speaks of (a call, a text, a letter, a visit, a conversation), its first found."""
    return next((name for name, pattern in ACTS if pattern.search(text)), None)


def acts(text: str) -> frozenset[str]:
    """Every act a text speaks of."""
    return frozenset(name for name, pattern in ACTS if pattern.search(text))


def asked(question: str) -> list[Count]:
    """The counts the question asks about, with its act and period (none without both)."""
    if _RATE.search(question):  # 「每半小时自动拨一次」: a count of each half hour, not of the day
        return []
    doing = act(question)
    period = next((name for name, pattern in _QUESTION_PERIODS if pattern.search(question)), None)
    if doing is None or period is None:
        return []
    third = bool(_THIRD_PARTY.search(question))
    nth = [(to_int(m.group(1)), _UNITS[m.group(2)]) for m in _ORDINAL.finditer(question)]
    if any(number > 1 for number, _ in nth):  # 「还能再打第四次吗」: the fourth is the count asked
        number, unit = max(nth)
        return [Count(doing, period, unit, number, third)]
    counts = [
        Count(doing, period, _UNITS[m.group(2)], to_int(m.group(1)), third) for m in _ASKED.finditer(question)
    ]
    if len(counts) > 1 and len({c.unit for c in counts}) == 1 and _MORE.search(question):
        return [Count(doing, period, counts[0].unit, sum(c.number for c in counts), third)]
    return counts


def caps(text: str, context: str = "") -> list[Count]:
    """The caps a sentence sets, each with the act named in its own phrase (「电话拨打每日不超过六次」 a
    call's, 「其中接通后的实质沟通每日不超过三次」 a conversation's, 「每日主动呼叫同一债务人不得超过三次」
    a call's) and whom it protects (「对同一紧急联系人」 in the sentence or in ``context``, its chapeau:
    a third party)."""
    third = bool(_THIRD_PARTY.search(f"{context}{text}"))
    found = []
    for match in _CAP.finditer(text):
        phrase = re.split(r"[，,；;：:]", text[: match.start()])[-1] + match.group(2)
        doing = act(phrase)
        if doing is not None:
            period, unit = _RULE_PERIODS[match.group(1)], _UNITS[match.group(4)]
            found.append(Count(doing, period, unit, to_int(match.group(3)), third))
    return found


def reach(counts: Sequence[Count], limits: Sequence[Count]) -> bool | None:
    """True when a cap is exceeded by a count of its act, period and unit, False when such counts all
    keep within their caps, None when no cap speaks of what is asked."""
    verdicts = [
        count.number > cap.number
        for count in counts
        for cap in limits
        if (count.act, count.period, count.unit, count.third_party)
        == (cap.act, cap.period, cap.unit, cap.third_party)
    ]
    if not verdicts:
        return None
    return any(verdicts)
