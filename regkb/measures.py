"""Provisions that set the hours of a contact or cap how often it is made, and the permission
questions they measure.

「晚上九点半还能打电话吗？」 is decided by the provision stating the hours of calls, 「今天打了两次，还能
再打一次吗？」 by the one capping calls a day (regkb/permission.py weighs the time or count against
them). Both are read from the index's own texts, whatever document brought them: a company's own
policy caps its calls in its own words (「每日主动呼叫同一债务人不得超过三次」), which no ranker trained
on other questions knows to prefer.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from regkb import clock, limits
from regkb.conclusion import PERMISSION_Q
from regkb.types import Passage


class Measures:
    """The passages stating hours of a contact, with the acts each speaks of, and those capping an act in
    a period, read from the passages when a question first needs them."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages

    @functools.cached_property
    def _tables(self) -> tuple[list[tuple[str, frozenset[str]]], dict[tuple[str, str], list[str]]]:
        hours: list[tuple[str, frozenset[str]]] = []
        caps: dict[tuple[str, str], list[str]] = {}
        for passage in self._passages:
            text = passage.text
            if limits.PERIOD_WORDS.search(text):  # the statute book: 0.4 s -> 0.04 s
                for key in dict.fromkeys((cap.act, cap.period) for cap in limits.caps(text)):
                    caps.setdefault(key, []).append(passage.id)
            if clock.HOUR_MARKS.search(text) and clock.windows(text) and limits.acts(text):
                hours.append((passage.id, limits.acts(text)))
        return hours, caps

    def asked(self, question: str) -> tuple[str, ...]:
        """The ids of the passages measuring a permission question: those stating hours of its act when
        it names a clock time of a contact (visiting hours do not measure a call), those capping its act
        in its period when it names a count; none for any other question (「晚上十点打电话会被怎么处理？」
        asks a consequence, which other provisions set)."""
        if not PERMISSION_Q.search(question):
            return ()
        doing = limits.act(question)
        timed = doing is not None and bool(clock.times(question))
        counts = limits.asked(question)
        if not timed and not counts:
            return ()
        hours, caps = self._tables
        ids = [pid for pid, acts in hours if doing in acts] if timed else []
        for count in counts:
            ids += caps.get((count.act, count.period), [])
        return tuple(dict.fromkeys(ids))
