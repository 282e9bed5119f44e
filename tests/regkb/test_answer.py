"""Answers that answer: provision force, standalone quotes, conclusions, cited vs related provisions.

The provisions here are written for the tests in the drafting style of Chinese statutes; none is
copied from the shared corpus.
"""

from __future__ import annotations

from dataclasses import replace

from regkb.answer import RELATED_HEADING, compose, order_by_hierarchy
from regkb.conclusion import question_kind
from regkb.force import (
    DUTY,
    EXCEPTION,
    EXEMPTION,
    LAPSE,
    PERMISSION,
    PROHIBITION,
    SANCTION,
    analyse,
    kinds_of,
)
from regkb.quotes import ELISION, quote_matches, standalone_quote, without_label
from regkb.types import Citation, Hit, Passage
from tests.regkb.supports import passage

CHAPEAU_LAW = (
    "第十条 除法律另有规定或者当事人明确同意外，任何单位不得实施下列行为：\n\n"
    "（一）以电话、短信等方式反复打扰债务人的同事；\n\n"
    "（二）在公共场所张贴债务人的欠款信息；\n\n"
    "（三）冒充司法人员发送通知。"
)
PENALTY_LAW = (
    "第二十条 有下列行为之一的，处五日以下拘留或者五百元以下罚款：\n\n"
    "（一）多次发送恐吓信息干扰他人生活的；\n\n"
    "（二）跟踪他人的。"
)
REFERRING_LAW = (
    "第三十条 催收人员应当在每日八时至二十一时之间联系债务人。\n\n违反前款规定的，处一千元以下罚款。"
)
PERMISSION_LAW = "第四十条 债权人可以委托第三方机构催收到期债务，但是应当事先书面告知债务人。"
DEFINITION_LAW = "第五十条 本办法所称催收，是指债权人或者其委托的机构要求债务人履行到期债务的行为。"
INTERNAL_RULE = "第六条 催收员不得在任何时间联系债务人的同事。"


def hits(*passages: Passage) -> list[Hit]:
    return [Hit(p, 1.0 - i * 0.1, ("bm25",)) for i, p in enumerate(passages)]


# ---------------------------------------------------------------- force


def test_force_words_are_read_per_sentence() -> None:
    assert kinds_of("任何单位不得泄露") == {PROHIBITION}
    assert kinds_of("经营者应当告知") == {DUTY}
    assert kinds_of("债权人可以催收，但是应当告知") == {PERMISSION, DUTY, EXCEPTION}
    assert kinds_of("处十日以下拘留，可以并处一千元以下罚款") == {SANCTION}  # 可以并处 is no permission
    assert kinds_of("为制止不法侵害而造成损害的，不负刑事责任") == {EXEMPTION}
    assert kinds_of("自行为发生之日起五年内没有行使撤销权的，撤销权消灭") == {LAPSE}
    assert SANCTION in kinds_of("窃取公民个人信息的，依照前款的规定处罚")


def test_items_inherit_the_force_of_their_chapeau() -> None:
    force = analyse(CHAPEAU_LAW)
    item = next(c for c in force.clauses if c.text.startswith("（一）"))
    assert item.own == frozenset()
    assert item.inherited == {PROHIBITION, EXCEPTION}
    penalised = next(c for c in analyse(PENALTY_LAW).clauses if c.text.startswith("（二）"))
    assert SANCTION in penalised.kinds


def test_a_kuan_beginning_with_qiankuan_inherits_the_kuan_it_refers_to() -> None:
    clause = next(c for c in analyse(REFERRING_LAW).clauses if c.text.startswith("违反前款"))
    assert clause.context.startswith("第三十条 催收人员应当")
    assert {SANCTION, DUTY} <= clause.kinds


# ---------------------------------------------------------------- quotes


def test_an_item_is_quoted_with_its_chapeau_and_its_exception() -> None:
    p = passage(CHAPEAU_LAW, "第十条")
    item = next(c for c in analyse(p.text).clauses if c.text.startswith("（二）"))
    quote = standalone_quote(p, [item])
    assert quote.startswith("除法律另有规定或者当事人明确同意外")  # chapeau, article label left off
    assert "（二）在公共场所张贴" in quote
    assert ELISION in quote and "（一）" not in quote  # the skipped item is elided, not silently joined
    assert quote_matches(quote, p.text)


def test_adjacent_pieces_stay_one_contiguous_verbatim_span() -> None:
    p = passage(CHAPEAU_LAW, "第十条")
    item = next(c for c in analyse(p.text).clauses if c.text.startswith("（一）"))
    quote = standalone_quote(p, [item])
    assert ELISION not in quote and quote in p.text


def test_a_qiankuan_sentence_is_quoted_with_the_kuan_it_refers_to() -> None:
    p = passage(REFERRING_LAW, "第三十条")
    clause = next(c for c in analyse(p.text).clauses if c.text.startswith("违反前款"))
    quote = standalone_quote(p, [clause])
    assert "每日八时至二十一时" in quote and "处一千元以下罚款" in quote


def test_a_quote_drops_the_label_and_the_mark_typed_after_it() -> None:
    """The citation names the article: 「第一条、」 / 「第一条：」 / 「3、」 leave no stray 、 or ： in front."""
    for text in (
        "第一条、外访两人同行。",
        "第一条：外访两人同行。",
        "第一条 外访两人同行。",
        "3、外访两人同行。",
    ):
        assert without_label(text) == "外访两人同行。"
    assert without_label("第一条") == "第一条"  # a label alone stays


def test_quote_matches_rejects_pieces_out_of_order_or_absent() -> None:
    assert quote_matches("甲乙……丙丁", "甲乙与丙丁")
    assert not quote_matches("丙丁……甲乙", "甲乙与丙丁")
    assert not quote_matches("甲乙……戊己", "甲乙与丙丁")


# ---------------------------------------------------------------- conclusions


def test_question_kinds() -> None:
    assert question_kind("我能打给他同事吗？") == "permission"
    assert question_kind("这样催收合法吗") == "permission"
    assert question_kind("张贴欠款信息会有什么后果？") == "consequence"
    assert question_kind("催收是指什么？") == "other"


def test_a_prohibited_act_is_not_allowed_even_with_a_consent_exception() -> None:
    composed = compose(
        hits(passage(CHAPEAU_LAW, "第十条")), "客户不接电话，我能打电话给他同事吗？", "", False
    )
    assert composed.conclusion.label == "不可以"
    assert composed.text.startswith("结论：【不可以】")
    assert "除法律另有规定或者当事人明确同意外" in composed.citations[0].quote


def test_a_permission_with_a_condition_names_the_condition() -> None:
    composed = compose(hits(passage(PERMISSION_LAW, "第四十条")), "债权人能委托第三方机构催收吗？", "", False)
    assert composed.conclusion.label == "有条件可以"
    assert "事先书面告知债务人" in composed.conclusion.text


def test_permission_and_sanction_on_the_act_means_it_depends() -> None:
    mixed = [passage(PERMISSION_LAW, "第四十条"), passage(PENALTY_LAW, "第二十条", "治安示例法")]
    composed = compose(hits(*mixed), "委托第三方机构催收，多次发送恐吓信息催收债务，可以吗？", "", False)
    assert composed.conclusion.label in ("视情况而定", "不可以")
    assert composed.conclusion.label != "可以"


def test_consequence_questions_name_the_sanction_and_no_label() -> None:
    composed = compose(hits(passage(PENALTY_LAW, "第二十条")), "多次发送恐吓信息会有什么后果？", "", False)
    assert composed.conclusion.label is None
    assert "拘留" in composed.conclusion.text and "罚款" in composed.conclusion.text
    assert "《催收示例法》第二十条" in composed.conclusion.text


def test_a_definition_question_gets_the_defining_sentence() -> None:
    p = [passage(PERMISSION_LAW, "第四十条"), passage(DEFINITION_LAW, "第五十条")]
    composed = compose(hits(*p), "什么是催收？", "", False)
    assert composed.conclusion.label is None
    assert "是指债权人或者其委托的机构" in composed.conclusion.text


def test_a_permission_whose_paragraph_ends_in_an_exception_is_conditional() -> None:
    text = "第七十条 债权人可以查询债务人公开的联系方式；债务人明确拒绝的除外。"
    composed = compose(hits(passage(text, "第七十条")), "我们可以查债务人公开的联系方式吗？", "", False)
    assert composed.conclusion.label == "有条件可以"
    assert "债务人明确拒绝的除外" in composed.conclusion.text


def test_exemption_against_liability_depends_on_the_facts() -> None:
    text = (
        "第八十条 为制止正在进行的不法侵害而造成损害的，不负刑事责任。"
        "明显超过必要限度造成重大损害的，应当负刑事责任。"
    )
    composed = compose(
        hits(passage(text, "第八十条")), "对方先动手，我还手把他打伤了，我要负刑事责任吗？", "", False
    )
    assert composed.conclusion.label == "视情况而定"
    assert "明显超过必要限度造成重大损害的" in composed.conclusion.text  # names the deciding fact


def test_a_court_restraint_does_not_forbid_the_askers_act() -> None:
    text = "第九十条 诉讼时效期间届满的，义务人可以提出不履行义务的抗辩。人民法院不得主动适用诉讼时效的规定。"
    composed = compose(hits(passage(text, "第九十条")), "诉讼时效届满了还可以起诉义务人吗？", "", False)
    assert composed.conclusion.label != "不可以"


def test_a_draft_clause_that_restates_the_prohibition_is_allowed() -> None:
    law = passage("第一百条 催收人员不得向第三人透露债务人的欠款信息。", "第一百条")
    question = "制度草案：'联系紧急联系人时，不得向其透露债务人的欠款信息。'这条合规吗？"
    assert compose(hits(law), question, "", False, verdict="需复核").conclusion.label == "可以"
    assert compose(hits(law), question, "", False, verdict="违规风险").conclusion.label == "不可以"


def test_a_provision_naming_a_cited_article_is_cited_with_it() -> None:
    rule = passage("第十四条 任何单位不得出租电话卡。", "第十四条", "示例反诈法")
    penalty = passage("第四十四条 违反本法第十四条规定的，处二十万元以下罚款。", "第四十四条", "示例反诈法")
    composed = compose(hits(rule, penalty), "公司能租用别人的电话卡外呼吗？", "", False)
    assert {c.passage.article for c in composed.citations} == {"第十四条", "第四十四条"}


# ---------------------------------------------------------------- citing only what supports


def test_provisions_that_do_not_address_the_question_go_to_related() -> None:
    on_topic = passage(CHAPEAU_LAW, "第十条")
    off_topic = passage("第六十条 本办法自发布之日起施行。", "第六十条")
    composed = compose(hits(on_topic, off_topic), "我能在公共场所张贴债务人的欠款信息吗？", "", False)
    assert [c.passage.article for c in composed.citations] == ["第十条"]
    assert [c.passage.article for c in composed.related] == ["第六十条"]
    assert RELATED_HEADING in composed.text
    assert composed.text.index(RELATED_HEADING) > composed.text.index("第十条")


def test_company_rule_and_law_are_set_side_by_side_saying_which_is_stricter() -> None:
    law = passage(REFERRING_LAW, "第三十条")
    rule = passage(INTERNAL_RULE, "第六条", "催收作业规范", "内部制度")
    composed = compose(hits(rule, law), "催收员能在晚上联系债务人的同事吗？", "", False)
    lines = composed.text.splitlines()
    company = next(i for i, line in enumerate(lines) if line.startswith("公司制度要求："))
    assert lines[company + 1].startswith("法律规定：")
    assert "更严格" in lines[company + 1] or "一致" in lines[company + 1]
    # 依据 in hierarchy order: the law before the internal rule although the rule ranked first
    assert [c.passage.level for c in composed.citations] == ["法律", "内部制度"]


def test_a_prohibition_inside_an_exception_phrase_marks_the_exception_only() -> None:
    sentence = (
        "当事人互负到期债务的，任何一方可以将自己的债务与对方的债务抵销；但是，依照法律规定不得抵销的除外。"
    )
    assert kinds_of(sentence) == {PERMISSION, EXCEPTION}
    assert EXCEPTION in kinds_of("继承人以所得遗产实际价值为限清偿被继承人的债务。")


def test_a_remedy_question_reads_the_other_sides_prohibition_as_the_askers_ground() -> None:
    law = passage("第一百一十条 任何组织或者个人不得以侮辱、诽谤等方式侵害他人的名誉权。", "第一百一十条")
    assert compose(hits(law), "客户在网上诽谤我，我能告他吗？", "", False).conclusion.label == "可以"
    lapse = passage("第一百二十条 自知道撤销事由之日起一年内没有行使撤销权的，撤销权消灭。", "第一百二十条")
    grounds = passage("第一百三十条 受胁迫方有权请求人民法院予以撤销。", "第一百三十条")
    composed = compose(hits(grounds, lapse), "他说是受胁迫签的，过了一年多了，还能行使撤销权吗？", "", False)
    assert composed.conclusion.label == "视情况而定"


def test_a_draft_that_waives_what_the_law_requires_is_not_allowed() -> None:
    law = passage("第一百四十条 未成年人订立借款合同，应当经其法定代理人同意或者追认。", "第一百四十条")
    question = "协议拟写：'年满十六周岁的学生可直接借款，无需法定代理人同意或者追认。'这样写能行吗？"
    assert compose(hits(law), question, "", False, verdict="需复核").conclusion.label == "不可以"


def test_a_classification_question_answered_by_a_definition_is_yes() -> None:
    definition = passage(
        "第一百五十条 本法所称自动化决策，是指通过计算机程序自动评估个人信用状况并进行决策的活动。",
        "第一百五十条",
    )
    duty = passage("第一百六十条 利用个人信息进行自动化决策，不得实行不合理的差别待遇。", "第一百六十条")
    composed = compose(
        hits(duty, definition), "系统按信用状况自动打分决定催收强度，算不算自动化决策？", "", False
    )
    assert composed.conclusion.label == "可以"
    illegal = compose(hits(duty, definition), "系统自动决策实行差别待遇，算不算违法？", "", False)
    assert (
        illegal.conclusion.label == "不可以"
    )  # a legality question is decided by the force, not the definition


def test_a_lapse_the_question_says_has_run_is_a_no() -> None:
    right = passage("第一百七十条 债权人可以请求保证人承担保证责任。", "第一百七十条")
    lapse = passage(
        "第一百八十条 债权人未在保证期间请求保证人承担保证责任的，保证人不再承担保证责任。", "第一百八十条"
    )
    asked = "我们还能请求保证人承担保证责任吗？"
    assert compose(hits(right, lapse), asked, "", False).conclusion.label == "视情况而定"
    said = "保证期间早过了，我们还能请求保证人承担保证责任吗？"
    assert compose(hits(right, lapse), said, "", False).conclusion.label == "不可以"


def test_a_draft_restating_a_prohibition_in_other_words_is_allowed() -> None:
    law = passage("第一百九十条 信息处理者不得泄露其收集的个人信息。", "第一百九十条")
    question = "草案：'联系紧急联系人时，不得向其透露借款人的欠款信息。'这条合规吗？"
    assert compose(hits(law), question, "", False, verdict="需复核").conclusion.label == "可以"


def test_the_ranker_not_shared_words_weighs_the_cited_sentences() -> None:
    # the top-ranked rule shares one word with the question; a lower-ranked permission shares many
    rule = passage(
        "第四十一条 异议核实期间，暂停对争议部分的催收。", "第四十一条", "示例催收办法", "内部制度"
    )
    loose = passage("第二十八条 出借人可以继续催收利息并主张利息。", "第二十八条")
    evidence = [Hit(rule, 0.9, ("bm25",)), Hit(loose, 0.4, ("bm25",))]
    composed = compose(evidence, "客户说利息算错了，我还能继续催收利息吗？", "", False)
    assert {c.passage.article for c in composed.citations} == {"第四十一条", "第二十八条"}
    assert composed.conclusion.label == "不可以"
    assert "暂停" in composed.conclusion.text


def test_a_denied_effect_is_a_prohibition() -> None:
    # the law denies the act its effect: a claim resting on it fails, like one resting on 无效
    assert kinds_of("亲友之间借款没有约定利息的，视为没有利息。") == {PROHIBITION}
    assert kinds_of("未通知债务人的，该转让对债务人不发生效力。") == {PROHIBITION}
    assert PROHIBITION not in kinds_of("租赁期限届满后继续使用的，视为不定期租赁。")


def test_a_defining_kuan_takes_no_force_from_the_kuan_it_explains() -> None:
    text = (
        "第二十五条 出借人请求按照约定利率支付利息的，人民法院应予支持，但是超过法定上限的除外。\n\n"
        "前款所称“法定上限”，是指合同成立时一年期市场利率的四倍。"
    )
    defining = next(c for c in analyse(text).clauses if c.text.startswith("前款所称"))
    assert defining.kinds == frozenset()
    assert defining.context.startswith("第二十五条")  # still quoted with the 款 it explains


def test_a_situation_without_force_takes_it_from_the_kuan_that_refers_back() -> None:
    text = (
        "第九条 接听人不是债务人本人的，推荐话术为：“请转告他回电。”\n\n"
        "前款情形下禁止使用下列话术：\n\n（一）“你帮他把钱还了。”"
    )
    rule = passage(text, "第九条", "示例话术规范", "内部制度")
    composed = compose(hits(rule), "接电话的不是债务人本人，我能说欠款的事吗？", "接听人 本人", False)
    assert composed.conclusion.label == "不可以"
    assert any(s.clause.text.startswith("前款情形下禁止") for s in composed.supports)


def test_a_duty_to_pay_another_side_bears_lets_the_asker_demand_it() -> None:
    law = passage("第八十九条 离婚时，夫妻共同债务应当共同偿还。", "第八十九条")
    demand = compose(hits(law), "他们离婚了，这笔共同债务我们还能找他前妻要吗？", "", False)
    assert demand.conclusion.label == "可以"
    assert "共同偿还" in demand.conclusion.text
    # not a demand: the duty alone does not settle whether the asker may do something else
    other = compose(hits(law), "他们离婚了，这笔共同债务我能上门拜访吗？", "", False)
    assert other.conclusion.label == "视情况而定"


def test_a_lapse_does_not_forbid_a_draft_term() -> None:
    # the lapse says what follows when the period runs out; it forbids no period the draft sets
    term = passage("第九十二条 债权人与保证人可以约定保证期间。", "第九十二条")
    lapse = passage(
        "第九十三条 债权人未在保证期间请求保证人承担责任的，保证人不再承担保证责任。", "第九十三条"
    )
    question = "保证合同草案：'保证期间为主债务履行期限届满之日起三年。'这条有没有问题？"
    composed = compose(hits(term, lapse), question, "保证期间 保证人", False, verdict="需复核")
    assert composed.conclusion.label == "可以"
    # a prohibition still makes the draft a no
    banned = passage("第九十四条 保证合同不得约定保证期间超过二年。", "第九十四条")
    assert (
        compose(hits(banned, lapse), question, "保证期间", False, verdict="需复核").conclusion.label
        == "不可以"
    )


def test_a_prohibitive_proviso_bounds_a_permission() -> None:
    # 可以……，但不得……: a permission with its bound, not a prohibition of the act
    assert kinds_of("当事人可以书面协议选择管辖法院，但不得违反专属管辖的规定。") == {PERMISSION, EXCEPTION}
    assert kinds_of("债权人可以催收，但是应当告知。") == {PERMISSION, DUTY, EXCEPTION}
    # a prohibition whose proviso permits stays a prohibition
    assert PROHIBITION in kinds_of("不得上门催收，但可以寄送通知。")
    law = passage("第三十五条 当事人可以书面协议选择管辖法院，但不得违反专属管辖的规定。", "第三十五条")
    composed = compose(hits(law), "我们能在合同里约定由上海的法院管辖吗？", "管辖 法院", False)
    assert composed.conclusion.label == "有条件可以"  # read as a prohibition too, it was 视情况而定
    sued = compose(hits(law), "合同里选了上海的法院，我们能在上海起诉他吗？", "管辖 法院", False)
    assert sued.conclusion.label == "可以"  # the forum the parties chose is the suit's ground


def test_a_lookup_cites_a_documents_articles_in_article_order() -> None:
    """「第1032条到第1034条是怎么规定的」: the articles read in document order, not by rank; other questions
    keep rank order within a document (the best first), and documents stay in hierarchy order either way."""
    law = [
        replace(passage(f"第{n}条 催收人员应当依法催收。", f"第{n}条"), order=order)
        for n, order in (("十二", 2), ("十", 0), ("十一", 1))
    ]
    rule = passage("第三条 催收员不得夜间外访。", "第三条", title="示例公司制度", level="内部制度")
    cites = [Citation(p, p.text) for p in (rule, *law)]
    assert [c.passage.article for c in order_by_hierarchy(cites, in_document_order=True)] == [
        "第十条",
        "第十一条",
        "第十二条",
        "第三条",
    ]
    assert [c.passage.article for c in order_by_hierarchy(cites)] == [
        "第十二条",
        "第十条",
        "第十一条",
        "第三条",
    ]
