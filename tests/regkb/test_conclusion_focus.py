"""A sentence that both permits and forbids is read by the part that speaks of the question, and a
question whether the asker will be punished turns on the threshold the sanction holds past."""

from __future__ import annotations

from regkb.conclusion import conclude
from regkb.force import units
from regkb.permission import DEPENDS, NO, YES, focused
from tests.regkb.supports import supports_of

RESIT = "考试不合格的可以补考一次，补考仍不合格的不得从事催收工作。"


def test_units_cut_where_the_force_changes_keeping_the_conditions_before_it() -> None:
    assert units(RESIT) == ["考试不合格的可以补考一次，", "补考仍不合格的不得从事催收工作。"]
    assert units("催收沟通应当语气平和、用语文明，使用普通话，不得大声呵斥。") == [
        "催收沟通应当语气平和、用语文明，使用普通话，不得大声呵斥。"
    ]  # a duty is no change of permission: one unit
    assert units("情况复杂的，经负责人批准可以延长，并应当告知投诉人。") == [
        "情况复杂的，经负责人批准可以延长，并应当告知投诉人。"
    ]


def test_the_part_that_speaks_of_the_asked_act_decides() -> None:
    supports = supports_of(RESIT)
    first = conclude("我第一次考了七十分没及格，能再补考一次吗？", supports)
    assert first.label == YES
    assert "可以补考一次" in first.text and "不得从事" not in first.text
    assert "，。" not in first.text  # the part's trailing comma does not end the line
    second = conclude("补考又没过，还能继续从事催收工作吗？", supports)
    assert second.label == NO


def test_a_question_sharing_no_more_with_one_part_keeps_the_whole_sentence() -> None:
    (support,) = supports_of(RESIT)
    assert focused(support, "这个规定是什么意思？") is support
    assert focused(support, "不合格怎么办？") is support  # 不合格 is in both parts: a tie
    assert focused(support, "考试不合格怎么办？").clause.text == "考试不合格的可以补考一次，"


def test_punishment_past_a_threshold_turns_on_it() -> None:
    supports = supports_of("催收非法债务，以恐吓方式滋扰他人，情节严重的，处三年以下有期徒刑。")
    assert conclude("我给他发了几条吓唬人的短信，会不会构成犯罪？", supports).label == DEPENDS


def test_punishment_without_a_threshold_is_a_no() -> None:
    supports = supports_of("殴打他人的，处五日以上十日以下拘留。")
    assert conclude("催收时我推了他两下，会被处罚吗？", supports).label == NO


def test_jail_threatened_in_the_act_asked_about_is_no_liability_question() -> None:
    supports = supports_of("催收非法债务，以恐吓方式滋扰他人，情节严重的，处三年以下有期徒刑。")
    assert conclude("我跟他说再不还就让他去坐牢，吓唬吓唬他行不行？", supports).label == NO
    assert conclude("我跟他说不还钱就会坐牢，这样说行不行？", supports).label == NO
    assert conclude("我这样吓唬他，自己会坐牢吗？", supports).label == DEPENDS
    assert conclude("这样催收有坐牢的风险吗？", supports).label == DEPENDS


def test_a_permission_in_brackets_is_a_remark_not_the_rule() -> None:
    supports = supports_of(
        "催收短信的内容限于借款人姓名（可以部分隐去）和逾期金额，不得使用仿冒司法文书的格式。"
    )
    assert all(s.clause.kinds == {"prohibition"} for s in supports)
    assert conclude("短信能不能做成法院通知的样子？", supports).label == NO
    # a bracket that forbids stays: 可以……（但不得……） is no plain permission
    (night,) = supports_of("催收人员可以上门催收（但不得在二十二时后上门）。")
    assert night.clause.kinds != {"permission"}
    assert conclude("晚上十一点可以上门吗？", [night]).label != YES


PLAN = "作业员可以与客户商谈分期还款方案。分期期数在十二期以内的，由组长审批；超过十二期的，报委托银行审批。"


def test_asked_who_approves_the_conclusion_names_the_approvers() -> None:
    supports = [
        s for s in supports_of(PLAN) if "商谈" in s.clause.text
    ]  # the sentence the question shares most with
    line = conclude("客户想分18期还，这个方案我要找谁批？", supports).text
    assert "由组长审批" in line and "报委托银行审批" in line and "商谈" not in line


def test_asked_how_long_the_conclusion_gives_the_time_limit() -> None:
    supports = supports_of("受托机构应当如实登记投诉。受托机构收到投诉的，应当在二十四小时内报告委外管理岗。")
    line = conclude("客户投诉了，多久之内要报告？", supports[:1]).text
    assert "二十四小时内" in line


def test_other_questions_keep_the_best_supported_sentence() -> None:
    supports = [s for s in supports_of(PLAN) if "商谈" in s.clause.text]
    assert "商谈" in conclude("分期还款方案怎么谈？", supports).text


def test_asked_how_long_the_line_keeps_the_time_limit_the_question_is_about() -> None:
    supports = supports_of("通话录音应当保存五年以上；借款人要求调取录音的，应当在五个工作日内提供。")
    line = conclude("通话录音要保存多长时间？", supports[1:]).text
    assert "保存五年以上" in line and "五个工作日内提供" not in line


def test_consent_is_no_approval() -> None:
    supports = supports_of("减免罚息的，由区域经理审批；未经借款人书面同意，不得将减免方案告知第三人。")
    line = conclude("减免罚息要找谁批？", supports).text
    assert "区域经理审批" in line and "同意" not in line
