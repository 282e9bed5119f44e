"""Who holds a sentence's permission, who the question asks about, and what that does to the label.

The sentences are written for the tests in the drafting style of Chinese statutes; none is copied
from the shared corpus.
"""

from __future__ import annotations

from regkb.parties import (
    AUTHORITY,
    COLLECTOR,
    DEBTOR,
    THIRD,
    asked_act,
    asker,
    authority_acts,
    bearer,
    belongs_elsewhere,
    first_person,
    holder,
)
from regkb.permission import CONDITIONAL, NO, YES, permission_label
from tests.regkb.supports import supports_of


def test_holder_is_the_subject_of_the_force_words_segment() -> None:
    assert holder("债务人认为记录有误的，债务人有权要求更正。") == DEBTOR
    assert holder("催收人员可以在工作时间联系债务人。") == COLLECTOR
    assert holder("被执行人不履行判决的，人民法院可以冻结其存款。") == AUTHORITY


def test_holder_falls_back_to_the_party_the_sentence_begins_with() -> None:
    # 「继承人……的，对被继承人……可以不负……」: 被继承人 is the object of 对, the holder is the topic
    assert holder("第九条 继承人放弃继承的，对被继承人的债务可以不负清偿责任。") == THIRD
    assert holder("信息主体认为信息有误的，可以提出异议。") == DEBTOR


def test_holder_is_none_without_a_permission_or_a_named_party() -> None:
    assert holder("任何单位不得公开他人的欠款信息。") is None  # a prohibition holds no permission
    assert holder("符合条件的，可以分期偿还。") is None


def test_other_and_personal_information_are_no_parties() -> None:
    # 其他 is no 他, 他人 is no 他, and 个人信息 is information, not the individual
    assert holder("其他机构可以查询。") is None
    assert holder("处理个人信息可以不经同意的情形由法律规定。") is None


def test_they_are_no_party_of_their_own() -> None:
    # 他们 may be either side (the company's inspectors, the lender a debtor speaks of): it is no 他
    assert holder("他们可以查询。") is None
    assert asker("合规部直接到我们外包机构来检查，他们可以不通知就来查吗？") == COLLECTOR
    assert asker("合规部直接到我们外包机构来检查，他可以不通知就来查吗？") == DEBTOR


def test_asker_is_the_party_before_the_modal_collector_by_default() -> None:
    assert asker("客户不接电话，我能打给他同事吗？") == COLLECTOR
    assert asker("客户说要去投诉我们，他能这样投诉吗？") == DEBTOR
    assert asker("判决生效了，法院能冻结他的存款吗？") == AUTHORITY
    assert asker("这样催收合规吗？") == COLLECTOR


def test_first_person_is_the_debtor_when_the_question_says_so() -> None:
    # 我 borrowed, owes, is collected from, or asks after his own data: the debtor's side
    assert first_person("我作为借款人，能要求他们改正吗？") == DEBTOR
    assert first_person("我之前在一家小贷公司借过钱，能查吗？") == DEBTOR
    assert first_person("催收的人天天打给我，我能不接吗？") == DEBTOR
    assert first_person("我能要求平台删掉我的个人信息吗？") == DEBTOR
    # 我 who collects or lends, or says nothing of himself: the collector's side (the default)
    assert first_person("我是外访催收员，客户欠了钱，能上门吗？") == COLLECTOR
    assert first_person("朋友向我借了五万，我能起诉他吗？") == COLLECTOR
    # lent to 我 is no lender's word: 我 is still the debtor whose data it is
    assert first_person("平台借给我三万，我能要求他们删掉我的个人信息吗？") == DEBTOR
    assert first_person("客户不接电话，我能打给他同事吗？") == COLLECTOR


def test_asker_reads_first_person_only_for_wo() -> None:
    assert asker("我在网贷平台借了钱逾期了，我能要求他们别打给我家人吗？") == DEBTOR
    assert asker("我在网贷平台借了钱逾期了，催收员能打给我家人吗？") == COLLECTOR  # a named party, not 我
    assert asker("我欠了钱，法院能冻结我的存款吗？") == AUTHORITY


def test_a_debtors_demand_rests_on_what_the_other_side_is_forbidden() -> None:
    supports = supports_of("个人信息处理者不得篡改其存储的个人信息。")
    question = "我作为借款人，信息被记错了，能要求他们改过来吗？"
    label, decided = permission_label(supports, question=question)
    assert label == YES
    assert "不得篡改" in decided[0].clause.text
    # the same prohibition asked by the collector about his own act still forbids it
    assert permission_label(supports, question="我能把客户系统里的住址改一下吗？")[0] == NO
    # and a prohibition the debtor bears is still a bar to a debtor's act that demands nothing
    own = supports_of("借款人不得提供虚假的身份信息。")
    assert permission_label(own, question="我作为借款人，能填个假的单位地址吗？")[0] == NO


def test_asked_act_runs_from_the_modal_to_the_end_of_its_sentence() -> None:
    assert asked_act("案子还没起诉，我跟他说已经起诉了，行不行？") == "行不行？"
    assert asked_act("他一直不还，我们能起诉他吗？还能做什么？") == "能起诉他吗？"
    assert asked_act("这样做有问题没") == "这样做有问题没"


def test_belongs_elsewhere_ignores_authorities() -> None:
    assert belongs_elsewhere("债务人有权拒绝。", COLLECTOR)
    assert not belongs_elsewhere("债务人有权拒绝。", DEBTOR)
    assert not belongs_elsewhere("人民法院可以采取限制出境措施。", COLLECTOR)


def test_a_debtors_right_is_no_permission_for_the_collector() -> None:
    supports = supports_of(
        "债务人有权要求催收人员说明欠款构成。", "催收人员不得在通话中宣读债务人的信用报告。"
    )
    label, decided = permission_label(supports, question="我能不能把他的信用报告念给他听？")
    assert label == NO
    assert "不得" in decided[0].clause.text


def test_the_same_right_permits_the_debtor_who_asks() -> None:
    supports = supports_of("债务人有权要求催收人员说明欠款构成。")
    assert permission_label(supports, question="客户问我，他能要求我们说明欠款构成吗？")[0] == YES


def test_another_sides_exemption_alone_is_a_condition() -> None:
    supports = supports_of("继承人放弃继承的，对被继承人的债务可以不负清偿责任。")
    label, decided = permission_label(supports, question="借款人去世了，我们能找他儿子要钱吗？")
    assert label == CONDITIONAL
    assert decided and "放弃继承" in decided[0].clause.text


def test_a_remedy_word_outside_the_asked_act_is_no_remedy_question() -> None:
    # 起诉 is what the collector would say, not what he asks to do: the prohibition decides
    supports = supports_of(
        "债权人可以向人民法院起诉。",
        "案件未被受理的，催收人员不得告知债务人已经起诉；催收人员不得以诉讼相威胁。",
    )
    question = "案子还没起诉，我跟客户说已经起诉了吓唬他，行不行？"
    assert permission_label(supports, question=question)[0] == NO


def test_authority_acts_when_the_authority_is_asked_to_act() -> None:
    assert authority_acts("判决生效了，法院能冻结他的存款吗？")
    assert authority_acts("他不还钱，能不能让法院限制他出境？")
    # the court is only the forum: the collector sues
    assert not authority_acts("他回国了，我们还能在国内法院起诉他吗？")
    assert not authority_acts("判决后他不还，我们能申请限制他出境吗？")


COURT_POWER = "被执行人不履行判决的，人民法院可以限制其出境。"


def test_an_authoritys_power_asked_of_the_authority_is_conditional() -> None:
    supports = supports_of(COURT_POWER)
    label, decided = permission_label(supports, question="他不还钱，法院能限制他出境吗？")
    assert label == CONDITIONAL
    assert decided[0].clause.text == COURT_POWER


def test_an_authoritys_power_the_asker_applies_for_is_a_yes() -> None:
    supports = supports_of(COURT_POWER)
    assert permission_label(supports, question="他不还钱，我们能申请限制他出境吗？")[0] == YES


def test_a_permission_in_listed_circumstances_is_conditional() -> None:
    supports = supports_of("有下列情形之一的，债务人可以主张抵销：\n（一）债务已到期；\n（二）标的相同。")
    assert permission_label(supports, question="客户要抵销欠款，他能这么做吗？")[0] == CONDITIONAL


REFUSAL_TO_PAY = "对判决有能力执行而拒不执行，情节严重的，处三年以下有期徒刑。"


def test_a_liability_sought_past_a_threshold_is_conditional() -> None:
    supports = supports_of(REFUSAL_TO_PAY)
    label, decided = permission_label(supports, question="他有钱就是不还，能追究他刑事责任吗？")
    assert label == CONDITIONAL
    assert "情节严重" in decided[0].clause.text


def test_a_complaint_needs_no_threshold() -> None:
    supports = supports_of("债务人有权向监督管理部门投诉。", REFUSAL_TO_PAY)
    assert permission_label(supports, question="客户说要投诉我们，他能投诉吗？")[0] == YES


def test_bearer_is_the_subject_of_the_duty() -> None:
    assert bearer("借款人应当按照约定的期限返还借款。") == DEBTOR
    assert bearer("催收人员应当记录并转交。") == COLLECTOR
    assert bearer("借款人可以提前还款。") is None  # a permission is borne by no one


def test_the_other_sides_punished_default_is_the_courts_ground_not_a_bar() -> None:
    # the sanction punishes the debtor's refusal; asked whether the court may act, it is no 不可以
    supports = supports_of(REFUSAL_TO_PAY, COURT_POWER)
    label, decided = permission_label(supports, question="判决生效了他还不给，法院能冻结他的存款吗？")
    assert label == CONDITIONAL
    assert decided[0].clause.text == COURT_POWER  # the court's own power first
    # the same sanction asked about the collector's own act still forbids it
    assert permission_label(supports[:1], question="他不还，我能拒不执行判决吗？")[0] == NO


def test_a_court_granting_a_claim_does_not_permit_the_askers_conduct() -> None:
    supports = supports_of(
        "出借人请求借款人按照约定利率支付利息的，人民法院应予支持。",
        "借款人对欠款金额提出异议的，暂停对争议部分的催收。",
    )
    label, decided = permission_label(supports, question="客户说利息算错了，我还能继续催他还那部分吗？")
    assert label == NO
    assert "暂停" in decided[0].clause.text
    # a court's own power the asker applies for still answers yes
    assert permission_label(supports_of(COURT_POWER), question="他不还钱，我们能申请限制他出境吗？")[0] == YES
