"""Clock times in questions against the hours a rule forbids: 「下午三点可以打电话吗？」 was answered
不可以 from 「在此时段以外，不得拨打电话」 of a provision whose window is 8:00至21:00."""

from __future__ import annotations

import pytest

from regkb import clock
from regkb.permission import CONDITIONAL, DEPENDS, NO, YES, permission_label
from tests.regkb.supports import supports_of

HOURS_RULE = "第一条 催收人员主动联系催收对象的时间为每日8:00至21:00。在此时段以外，不得拨打电话、发送短信。"


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("下午三点可以打电话吗？", [(15.0,)]),
        ("都晚上九点半了", [(21.5,)]),
        ("20:30还能发短信吗", [(20.5,)]),
        ("早上7点半能打吗", [(7.5,)]),
        ("九点半再打", [(9.5, 21.5)]),  # morning or evening
        ("晚上12点", [(24.0,)]),
        ("凌晨十二点半", [(0.5,)]),
        ("中午1点", [(13.0,)]),
        ("二十二时", [(22.0,)]),
        ("晚上八点四十五分", [(20.75,)]),
        ("十点三十分", [(10.5, 22.5)]),
        ("现在晚上九点半了，明早七点半先打可以吗？", [(21.5,), (7.5,)]),
    ],
)
def test_times_a_question_names(text: str, hours: list[tuple[float, ...]]) -> None:
    assert clock.times(text) == hours


M = clock.MINUTE


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("晚上九点以后还能打吗", [(21 + M,)]),  # 21:00 is the window's last minute; 「以后」 is past it
        ("二十二时以后", [(22 + M,)]),
        ("过九点了还打吗", [(9 + M, 21 + M)]),
        ("晚上八点多", [(20 + M,)]),
        ("早上八点前", [(8 - M,)]),
        ("快九点的时候", [(9 - M, 21 - M)]),
    ],
)
def test_a_time_passed_or_not_yet_reached_is_a_minute_past_or_before_it(text: str, hours: list) -> None:
    assert clock.times(text) == [pytest.approx(h) for h in hours]


@pytest.mark.parametrize(
    "text",
    # an approximate hour (七八点) is not read: neither of its hours is what was asked
    [
        "少打一点电话",
        "有两点建议",
        "第十二点",
        "一天打三次，每次间隔2小时",
        "同时通知他家人",
        "七八点",
        # 「一点」 / 「两点」 as "a little" / "two points", before a comma or after 快 / 差
        "信封上印个“催收通知”，让客户重视一点，行吗？",
        "语气能不能快一点",
        "差一点就还清了",
        "说清楚这两点，可以吗",
    ],
)
def test_words_that_are_no_time(text: str) -> None:
    assert clock.times(text) == []


def test_a_sentence_forbidding_outside_this_window_reads_the_window_before_it() -> None:
    offset = HOURS_RULE.index("在此")
    rule = clock.forbidden(HOURS_RULE[offset:], HOURS_RULE, offset)
    assert rule is not None
    assert [rule(h) for h in (7.5, 8.0, 15.0, 21.0, 21.5, 23.0)] == [True, False, False, False, True, True]


@pytest.mark.parametrize(
    ("sentence", "forbidden_at", "allowed_at"),
    [
        (
            "（八）在21:00至次日8:00之间上门；",
            (21.5, 23.0, 6.5),
            (9.0, 20.5),
        ),  # the window is the forbidden one
        ("约定时间不得早于7:00或者晚于22:00。", (6.5, 23.0), (7.5, 21.5)),
        ("坐席人员可以按约定时间回电，但不得晚于二十二时。", (22.5,), (9.0, 21.5)),
        ("不得早于七点或者晚于九点半联系。", (6.5, 22.0), (7.5, 21.0)),  # bare: morning, evening
        ("外访只能在8:00至20:00进行，不得超时。", (7.0, 20.5), (9.0, 19.5)),
    ],
)
def test_the_hours_a_sentence_forbids(sentence: str, forbidden_at: tuple, allowed_at: tuple) -> None:
    rule = clock.forbidden(sentence, sentence, 0)
    assert rule is not None
    assert all(rule(h) for h in forbidden_at) and not any(rule(h) for h in allowed_at)


def test_a_sentence_without_hours_forbids_none() -> None:
    assert clock.forbidden("不得以暴力相威胁。", "不得以暴力相威胁。", 0) is None


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("下午三点可以给客户打电话吗？", YES),  # it was 不可以
        ("20:30还能给客户发短信吗？", YES),
        ("晚上十点还能给客户打电话吗？", NO),
        ("晚上九点以后还能打电话吗？", NO),  # it was 可以: 21:00 itself is inside the window
        ("早上7点半能打电话吗？", NO),
        ("九点半能打电话吗？", DEPENDS),  # 9:30 yes, 21:30 no
        ("能给客户打电话吗？", NO),  # no time asked: the prohibition weighs as before
    ],
)
def test_a_prohibition_of_hours_decides_by_the_time_asked(question: str, label: str) -> None:
    decided_label, decided = permission_label(supports_of(HOURS_RULE), question=question)
    assert decided_label == label
    if label == YES:  # the basis is the sentence stating the window, not the prohibition
        assert [s.clause.text for s in decided] == [
            "第一条 催收人员主动联系催收对象的时间为每日8:00至21:00。"
        ]


def test_a_time_outside_the_hours_with_another_prohibition_still_weighs_it() -> None:
    supports = supports_of(HOURS_RULE, "第二条 催收人员不得以电话骚扰催收对象的近亲属。")
    label, _ = permission_label(supports, question="下午三点可以打电话骚扰他的近亲属吗？")
    assert label not in (YES, CONDITIONAL)
