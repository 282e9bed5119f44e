"""Tests for regkb.redlines and corpus/redlines.yaml: every rule fires on a violating clause,
lawful clauses trigger nothing, and every cited provision exists in the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from regkb.errors import ConfigError
from regkb.redlines import SEVERITIES, load_rules, match_rules, validate_rules
from regkb.types import Provenance
from tests.regkb.test_vocab import REPO, has_article, needs_shared

RULES_PATH = REPO / "corpus" / "redlines.yaml"

RULE_EXAMPLES: dict[str, str] = {
    "RL-01-violence": "对拒不还款的客户，外访人员可采取必要的强制手段促使其还款。",
    "RL-02-threats": "催收话术可提示客户：再不还款，家人的安全我们不敢保证。",
    "RL-03-insults": "对恶意拖欠的客户，催收员可以称其为“老赖”，以增加心理压力。",
    "RL-04-impersonate-officials": "必要时催收员可以法院工作人员的名义致电借款人，告知即将强制执行。",
    "RL-05-impersonate-lawyer": "电话催收时，催收员可自称律师事务所律师，以增强威慑力。",
    "RL-06-fake-legal-documents": "对逾期90天以上的客户寄送仿真法院传票样式的催收函。",
    "RL-07-false-criminal-liability": "短信模板：您已逾期，如不还款将追究您的刑事责任。",
    "RL-08-false-consequences": "催收时可告知借款人，逾期会影响其子女上学和考公政审。",
    "RL-09-disclose-to-third-parties": "借款人失联的，催收员可以告知其同事借款人的欠款金额，请同事督促还款。",
    "RL-10-contact-list": "借款人授权本公司读取其手机通讯录，逾期后可向通讯录联系人逐一发送提醒。",
    "RL-11-contact-unrelated": "借款人不接电话的，催收员可致电借款人的单位领导说明情况。",
    "RL-12-public-exposure": "对失联客户，可在微信群、抖音等平台曝光其姓名、照片和欠款金额。",
    "RL-13-notices-banners": "外访时可在借款人家门口张贴催收告示。",
    "RL-14-following-waiting": "外访人员可在借款人住所楼下蹲守，直至其出面协商还款。",
    "RL-15-detention": "借款人到公司协商时，在其签署还款承诺书前不得离开公司。",
    "RL-16-enter-home": "外访人员可进入借款人家中核实其财产状况。",
    "RL-17-seize-property": "签订还款协议时，借款人的身份证原件由公司暂扣，还清后返还。",
    "RL-18-night-contact": "催收人员的作业时间为每日7:00至22:00。",
    "RL-19-contact-frequency": "对逾期超过30天的客户，每日电话拨打不少于10次。",
    "RL-20-recording": "电话催收可酌情录音，录音保存6个月后删除。",
    "RL-21-usurious-interest": "借款年化利率为36%，按月付息。",
    "RL-22-upfront-interest": "放款时预先扣除首期利息及服务费，借款人按合同金额还本付息。",
    "RL-23-fee-stacking": "逾期后按日收取罚息，另按月收取违约金和催收服务费。",
    "RL-24-credit-query-without-consent": "催收员可随时查询借款人的征信报告，以了解其其他负债。",
    "RL-25-credit-report-no-notice": "客户逾期超过90天的，直接将其逾期记录报送征信系统，无需另行通知客户。",
    "RL-26-sell-share-data": "本公司可将借款人的个人信息共享给合作机构用于营销推广。",
    "RL-27-subcontract": "受托催收机构可以将部分案件转委托给其合作的其他机构处理。",
    "RL-28-blanket-consent": "借款人注册即视为同意本公司收集、使用其通讯录信息并向第三方提供。",
    "RL-29-location-tracking": "对失联客户，可通过技术手段获取其手机定位信息。",
    "RL-30-borrowed-sim": "外呼团队可使用员工个人名下的手机卡拨打催收电话。",
    "RL-31-non-debtor-liability": "借款人为成年人的，其父母对借款承担连带还款责任，催收员可直接向父母追讨。",
    "RL-32-minors-students": "借款人的未成年子女接听电话的，可请其转告父母尽快还款。",
    "RL-33-limitation-waiver": "借款人自愿放弃诉讼时效抗辩权，本合同项下债权不受诉讼时效限制。",
    "RL-34-forfeiture-collateral": "借款人以名下车辆抵偿债务，如到期未能还清，该车辆直接归出借人所有，双方不再结算。",
    "RL-35-induce-borrowing": "催收员可建议借款人向其他平台借款先还清本公司欠款。",
    "RL-36-deceased-heirs": "借款人死亡的，其继承人应以个人财产全额偿还剩余欠款。",
}

LAWFUL_CLAUSES = [
    # The two lawful clauses of the brief: permission with limits, and a proper entrustment.
    "借款人失联时，可联系其预留的紧急联系人，但只能询问借款人的联系方式或请其转告回电，"
    "不得向其透露借款人的欠款金额等债务信息。",
    "委托方向受托催收公司提供逾期客户的姓名、电话及欠款信息，受托方仅限于本项目催收使用，不得转委托；"
    "合作终止后受托方应删除全部客户信息，委托方有权对受托方的处理活动进行监督检查。",
    "催收人员主动联系借款人的时间为每日8:00至21:00，夜间不得主动联系。",
    "严禁以暴力、威胁、侮辱等方式催收，严禁冒充公检法人员或律师。",
    "本公司向金融信用信息基础数据库报送借款人不良信息前，应当事先告知借款人本人。",
    "经借款人书面授权后，风险管理部专岗人员方可查询其信用报告，并限于约定用途。",
    "逾期利息、违约金及其他费用合计不超过合同成立时一年期贷款市场报价利率四倍。",
    "电话催收应当全程录音，录音自贷款结清之日起保存五年。",
    "外访人员未经借款人同意不得进入其住宅，不得在借款人住所张贴告示或拉挂横幅。",
    "借款人到期不履行债务的，出借人可以就抵押车辆折价或者拍卖、变卖所得价款优先受偿。",
    "对同一借款人，电话拨打每日不超过六次，短信每日不超过两条。",
    "借款人的配偶、父母不是借款合同当事人的，不负有代为清偿的义务，不得要求其还款。",
    "本公司不得出售、非法提供借款人的个人信息。",
    "借款人辱骂催收人员的，催收人员应保持冷静，礼貌结束通话。",
    "借款人死亡的，本公司可以向继承人主张在遗产实际价值范围内清偿。",
    "借款年利率为6%，按月付息，到期还本。",
    "借款人可以随时联系客服查询欠款。",
    "本公司可以依法向人民法院提起诉讼。",
    "催收人员在催收活动中严禁实施下列行为：\n（一）使用暴力或者以暴力相威胁；\n（二）限制他人人身自由；\n"
    "（三）在朋友圈公开借款人的欠款信息。",
    "催收人员有辱骂客户行为的，扣减当月绩效。",
]

# The categories the red lines must cover, each by the rule that covers it.
REQUIRED_RULES = {
    "violence": "RL-01-violence",
    "threats": "RL-02-threats",
    "insults": "RL-03-insults",
    "impersonating officials or courts": "RL-04-impersonate-officials",
    "impersonating lawyers": "RL-05-impersonate-lawyer",
    "disclosure to third parties": "RL-09-disclose-to-third-parties",
    "contact-list exposure": "RL-10-contact-list",
    "social-media exposure": "RL-12-public-exposure",
    "following and waiting outside a home": "RL-14-following-waiting",
    "illegal detention": "RL-15-detention",
    "interest above four times LPR": "RL-21-usurious-interest",
    "upfront interest (砍头息)": "RL-22-upfront-interest",
    "penalty and fee stacking": "RL-23-fee-stacking",
    "credit query without authorisation": "RL-24-credit-query-without-consent",
    "negative credit info without notice": "RL-25-credit-report-no-notice",
    "selling or sharing personal data": "RL-26-sell-share-data",
    "false claims of criminal liability": "RL-07-false-criminal-liability",
    "pressing non-debtors": "RL-31-non-debtor-liability",
    "pressing minors": "RL-32-minors-students",
    "waiving limitation defences": "RL-33-limitation-waiver",
    "流质/流押": "RL-34-forfeiture-collateral",
    "blanket consent": "RL-28-blanket-consent",
    "night-time contact": "RL-18-night-contact",
    "contact frequency": "RL-19-contact-frequency",
    "recording not kept": "RL-20-recording",
}


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_PATH)


def _fired(rules, text: str) -> set[str]:
    return {rule.id for rule, _ in match_rules(rules, text)}


def test_at_least_twenty_five_rules_with_valid_severities(rules) -> None:
    assert len(rules) >= 25
    assert len({r.id for r in rules}) == len(rules)
    assert {r.severity for r in rules} <= set(SEVERITIES)
    assert all(r.provisions and r.description for r in rules)


def test_required_categories_are_covered(rules) -> None:
    ids = {r.id for r in rules}
    assert {rule_id for rule_id in REQUIRED_RULES.values() if rule_id not in ids} == set()


def test_every_rule_has_an_example(rules) -> None:
    assert {r.id for r in rules} == set(RULE_EXAMPLES)


@pytest.mark.parametrize(("rule_id", "clause"), sorted(RULE_EXAMPLES.items()))
def test_rule_fires_on_violating_clause(rules, rule_id: str, clause: str) -> None:
    by_id = {rule.id: spans for rule, spans in match_rules(rules, clause)}
    assert rule_id in by_id
    assert all(span in clause for span in by_id[rule_id])


@pytest.mark.parametrize("clause", LAWFUL_CLAUSES)
def test_lawful_clause_triggers_no_rule(rules, clause: str) -> None:
    assert _fired(rules, clause) == set()


def test_a_turn_after_a_prohibition_restores_the_violation(rules) -> None:
    assert "RL-14-following-waiting" not in _fired(rules, "严禁在借款人单位门口守候。")
    assert "RL-14-following-waiting" in _fired(rules, "严禁殴打借款人，但可以在借款人单位门口守候。")


def test_a_permissive_list_is_still_checked(rules) -> None:
    clause = "催收人员可以采取下列措施：\n（一）电话提醒；\n（二）在朋友圈公开借款人的欠款信息。"
    assert "RL-12-public-exposure" in _fired(rules, clause)


def test_dev_style_unlawful_clauses_are_caught(rules) -> None:
    assert "RL-25-credit-report-no-notice" in _fired(
        rules, "客户逾期超过90天的，直接将其逾期记录报送征信系统，无需另行通知客户。"
    )
    assert {"RL-21-usurious-interest", "RL-23-fee-stacking"} <= _fired(
        rules, "逾期后按未还本金每日千分之五计收罚息，另每月收取催收服务费200元。"
    )


@needs_shared
def test_every_cited_provision_exists_in_the_corpus(rules) -> None:
    assert validate_rules(rules, has_article) == []


def test_validate_rules_raises_naming_rule_and_provision_for_a_missing_article(rules) -> None:
    def lacks_one(title: str, article: str) -> bool | None:
        return not (title == "刑法" and article == "第二百三十八条")

    with pytest.raises(ConfigError, match=r"RL-15-detention.*《刑法》第二百三十八条"):
        validate_rules(rules, lacks_one)


def test_validate_rules_warns_and_keeps_rules_for_documents_not_indexed(rules) -> None:
    def internal_not_indexed(title: str, article: str) -> bool | None:
        return None if title.startswith("示例") else True

    warnings = validate_rules(rules, internal_not_indexed)
    assert warnings and all("示例" in w for w in warnings)
    assert any("RL-18-night-contact" in w for w in warnings)


def _write_rules(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "redlines.yaml"
    path.write_text("rules:\n" + rule, encoding="utf-8")
    return path


GOOD_RULE = (
    "  - id: R1\n    name: 规则\n    description: 说明\n    severity: 民事\n"
    "    patterns: ['甲']\n    provisions: [{title: 民法典, article: 第一条}]\n"
)


def test_load_rules_names_the_rule_and_field_for_a_bad_severity(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, GOOD_RULE.replace("民事", "严重"))
    with pytest.raises(ConfigError, match=r"rule 'R1' field 'severity'"):
        load_rules(path)


def test_load_rules_names_the_rule_and_field_for_a_bad_regex(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, GOOD_RULE.replace("['甲']", "['(甲']"))
    with pytest.raises(ConfigError, match=r"rule 'R1' field 'patterns'"):
        load_rules(path)


def test_load_rules_rejects_duplicate_ids_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="R1"):
        load_rules(_write_rules(tmp_path, GOOD_RULE + GOOD_RULE))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rules"):
        load_rules(bad)


def test_loaded_rule_uses_default_negation(tmp_path: Path) -> None:
    path = tmp_path / "redlines.yaml"
    path.write_text("defaults:\n  unless: ['不得']\nrules:\n" + GOOD_RULE, encoding="utf-8")
    (rule,) = load_rules(path)
    assert rule.provisions == (Provenance("民法典", "第一条"),)
    assert match_rules([rule], "可以甲") == [(rule, ("甲",))]
    assert match_rules([rule], "不得甲") == []
