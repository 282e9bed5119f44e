"""Counts in questions against the caps a rule sets: 「每天给客户发一条短信提醒还款可以吗？」 was answered
不可以 from 「短信……每日不超过两条」, as if any text were forbidden."""

from __future__ import annotations

import pytest

from regkb import limits
from regkb.limits import Count
from regkb.permission import NO, YES, permission_label
from tests.regkb.supports import supports_of

CAPS = (
    "第一条 对同一催收对象的联系频次不得超过下列上限：\n"
    "（一）电话拨打每日不超过六次，其中接通后的实质沟通每日不超过三次；\n"
    "（二）短信每日不超过两条。"
)


@pytest.mark.parametrize(
    ("question", "counts"),
    [
        ("一天给同一个客户打五次电话可以吗？", [Count("call", "day", "times", 5)]),
        ("每天给客户发一条短信提醒还款可以吗？", [Count("text", "day", "items", 1)]),
        ("一周上门三次行吗？", [Count("visit", "week", "times", 3)]),
        ("今天已经打了六次，再打一次可以吗？", [Count("call", "day", "times", 7)]),  # the counts add up
        ("一天给他紧急联系人打两次电话行吗？", [Count("call", "day", "times", 2, third_party=True)]),
        ("我打算一天联系三次", []),  # no act named (打算 is no call)
        ("打五次电话可以吗？", []),  # no period
        ("今天第一次打电话，一次性说清楚可以吗？", []),  # 第一次 and 一次性 are no counts
        # a rate: 一次 is each half hour's, not the day's
        ("系统设成每半小时自动拨一次，一天能打二三十个，可以吗？", []),
        # the fourth call is the count asked, whatever was made before it
        ("今天我已经打了三次都没接，还能再打第四次吗？", [Count("call", "day", "times", 4)]),
    ],
)
def test_counts_a_question_asks_about(question: str, counts: list[Count]) -> None:
    assert limits.asked(question) == counts


def test_each_cap_has_the_act_of_its_own_phrase_and_whom_it_protects() -> None:
    assert limits.caps("（一）电话拨打每日不超过六次，其中接通后的实质沟通每日不超过三次；") == [
        Count("call", "day", "times", 6),
        Count("talk", "day", "times", 3),
    ]
    assert limits.caps("电话每日不超过一次、每周不超过两次", "对同一紧急联系人：") == [
        Count("call", "day", "times", 1, third_party=True),
        Count("call", "week", "times", 2, third_party=True),
    ]
    assert limits.caps("（三）信函每月不超过两封。") == [Count("letter", "month", "letters", 2)]


@pytest.mark.parametrize(
    ("sentence", "caps"),
    [
        # the period, then what is counted, then the cap
        ("坐席人员每日主动呼叫同一债务人不得超过三次；", [Count("call", "day", "times", 3)]),
        ("对同一借款人每日发送催收短信不得超过2条。", [Count("text", "day", "items", 2)]),
        ("对同一借款人每月外访不得超过2次。", [Count("visit", "month", "times", 2)]),
        # a cap of nothing the acts name, or of no period
        ("每日工作时长不得超过八小时。", []),
        ("拨打总数不得超过六次", []),
    ],
)
def test_caps_in_other_drafting_orders(sentence: str, caps: list[Count]) -> None:
    assert limits.caps(sentence) == caps


def test_a_cap_reaches_only_counts_of_its_act_period_unit_and_side() -> None:
    six_calls = [Count("call", "day", "times", 6)]
    assert limits.reach([Count("call", "day", "times", 7)], six_calls) is True
    assert limits.reach([Count("call", "day", "times", 6)], six_calls) is False
    assert limits.reach([Count("call", "week", "times", 7)], six_calls) is None
    assert limits.reach([Count("call", "day", "times", 7, third_party=True)], six_calls) is None


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("每天给客户发一条短信提醒可以吗？", YES),
        ("每天给客户发三条短信可以吗？", NO),
        ("一天给客户打十次电话可以吗？", NO),
        ("一天给客户打五次电话可以吗？", YES),
        ("能给客户发短信吗？", NO),  # no count asked: the cap weighs as a prohibition, as before
    ],
)
def test_a_cap_decides_by_the_count_asked(question: str, label: str) -> None:
    decided_label, decided = permission_label(supports_of(CAPS), question=question)
    assert decided_label == label
    if label == YES:  # the basis is the item setting the cap, not the chapeau
        assert decided[0].clause.text.startswith(("（一）", "（二）"))


HARASSING = "第二条 任何组织或者个人不得以电话、短信等方式侵扰他人的私人生活安宁。"


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("一天给客户打五次电话可以吗？", YES),  # the cap says how often is not harassing
        ("一天给客户打十次电话可以吗？", NO),
        ("能给客户打电话吗？", NO),  # no count: the prohibitions weigh as before
    ],
)
def test_a_cap_sparing_the_count_outweighs_a_prohibition_of_harassing_by_that_act(
    question: str, label: str
) -> None:
    """「一天给客户打五次电话可以吗？」 was 不可以 on 「以电话……侵扰他人的私人生活安宁」 beside a cap of six calls."""
    assert permission_label(supports_of(CAPS, HARASSING), question=question)[0] == label
