"""Who a sentence speaks to, and who the question asks about.

A permission (可以 / 有权) or an exception (经……同意) belongs to the party that holds it: 「个人有权拒绝」
lets the debtor refuse, it does not let the collector do anything. A collection question is asked by
one side (the collector or the company: 我 / 我们 / 公司 / 催收人员, the default) and sometimes about
another (「他能……吗」 asks what the debtor may do, 「法院能……吗」 what a court may do). A sentence
whose force belongs to a party on another side than the asker's does not grant the asker anything.

Sides are read from the roles Chinese statutes and collection rules name, not from any question:

- ``COLLECTOR``: the creditor's side (本公司, 催收人员, 受托机构, 债权人, 出借人, 个人信息处理者 …);
- ``DEBTOR``: the debtor's side (借款人, 债务人, 客户, 个人, 信息主体, 被执行人 …);
- ``THIRD``: others the collector meets (近亲属, 继承人, 紧急联系人, 保证人 …);
- ``AUTHORITY``: courts and agencies (人民法院, 仲裁机构, 监督管理部门 …). Their powers are how a
  party's claim is granted, so they are neither the asker's nor against it.
"""

from __future__ import annotations

import re

from regkb.numerals import LEADING_LABEL

COLLECTOR, DEBTOR, THIRD, AUTHORITY = "collector", "debtor", "third", "authority"

# Role names by side, separated by spaces.
_ROLES: dict[str, str] = {
    COLLECTOR: (
        "本公司 公司 催收人员 催收员 催收机构 受托机构 委托方 债权人 出借人 贷款人 发卡行 发卡银行"
        " 抵押权人 质权人 个人信息处理者 信息使用者 信息提供者 主管 我们 我司 我"
    ),
    DEBTOR: (
        "借款人 债务人 客户 催收对象 信息主体 被执行人 持卡人 消费者 抵押人 出质人 被继承人 个人"
        " 自然人 本人 他 她"
    ),
    THIRD: (
        "近亲属 继承人 遗产管理人 紧急联系人 无关第三人 第三人 保证人 担保人 配偶 受让人 监护人"
        " 同事 邻居 家属"
    ),
    AUTHORITY: (
        "人民法院 法院 仲裁机构 人民检察院 公安机关 国家机关 监督管理部门 主管部门 派出机构 行政机关"
    ),
}
# Longer names first, so 个人信息处理者 is read before 个人 and 被执行人 before 执行.
_NAMES = sorted(
    ((name, side) for side, names in _ROLES.items() for name in names.split()), key=lambda x: -len(x[0])
)
# 其他 and 他们 are no 他 (他们 may be either side), and 个人信息 is information, not the individual.
_GUARDS = {"他": ("(?<!其)", "(?![人们])"), "她": ("(?<!其)", "(?![人们])"), "个人": ("", "(?!信息)")}
_PARTY = re.compile(
    "|".join(_GUARDS.get(n, ("", ""))[0] + re.escape(n) + _GUARDS.get(n, ("", ""))[1] for n, _ in _NAMES)
)
_SIDE = dict(_NAMES)
_FORCE = re.compile(r"(?<![不并])可以(?!并处)|有权|允许|准许|应予支持|予以支持|不负|不承担")
_DUTY = re.compile(r"(?<!不)应当|必须")
_SEGMENT_END = re.compile(r"[，,：:；。]")
_CAUSATIVE = set("让请叫由")
_PREPOSITIONS = set("对向与给为将把被由")
# 我 as the borrower or the person collected from; 我 (or 我们) as one who collects or lends.
_DEBTOR_SELF = re.compile(
    r"我(?:作为|是)(?:借款人|债务人|持卡人|消费者|被催收人|信息主体)"
    r"|我(?:之前|以前|曾经|去年|前年)?(?:在|从|向|跟|找)[^，。？?！!]{0,14}(?:借|贷)(?!给)"
    r"|我(?:借|欠|贷)(?:了|过|的)|我(?:的)?(?:网贷|贷款|信用卡|借款)(?:逾期|没还|还不上)"
    r"|(?:催收|催债|贷款公司|网贷平台)[^，。？?！!]{0,8}(?:给我|找我|打给我|骂我|到我|来我|说我|让我|向我|对我)"
    r"|我(?:的)?(?:个人信息|身份证|通讯录|征信|相册|照片|手机号)"
)
_COLLECTOR_SELF = re.compile(
    r"我(?:是|作为|在)[^，。？?！!]{0,8}(?:催收|外访|坐席|合规|资产保全|风控|贷后)|我们公司|我司|本公司"
    r"|(?:向|跟|找)我借|欠我|借给(?!我)"
)
_MODAL = re.compile(r"能不能|能否|可不可以|可以|可否|能|行不行|是否")


def _last_name(text: str) -> str | None:
    """The last party name in text (我, 客户, 法院 …), or None."""
    found = [m.group(0) for m in _PARTY.finditer(text)]
    return found[-1] if found else None


def _subject(segment: str) -> str | None:
    """The first party of a segment that is no object of a preposition (对 / 向 / 与 / 给 …)."""
    for match in _PARTY.finditer(segment):
        if segment[max(0, match.start() - 1) : match.start()] not in _PREPOSITIONS:
            return _SIDE[match.group(0)]
    return None


def holder(sentence: str, force: re.Pattern[str] = _FORCE) -> str | None:
    """The side that holds the sentence's permission: the subject of its force word's segment, else
    the party the sentence begins with (「信息主体认为……的，可以……」); None when neither names one."""
    match = force.search(sentence)
    if match is None:
        return None
    segment_start = max((m.end() for m in _SEGMENT_END.finditer(sentence, 0, match.start())), default=0)
    near = _subject(sentence[segment_start : match.start()])
    if near is not None:
        return near
    topic = _PARTY.match(LEADING_LABEL.sub("", sentence))
    return _SIDE[topic.group(0)] if topic else None


def bearer(sentence: str) -> str | None:
    """The side that bears the sentence's duty (「借款人应当……支付」), read as ``holder`` reads a permission."""
    return holder(sentence, _DUTY)


def asked_act(question: str) -> str:
    """The part of the question that states the act asked about: from its first modal (能 / 可以 /
    行不行 …) to the end of that sentence; the whole question when it has no modal."""
    match = _MODAL.search(question)
    if match is None:
        return question
    end = re.search(r"[。？?！!]", question[match.start() :])
    return question[match.start() : match.start() + end.end()] if end else question[match.start() :]


def asker(question: str) -> str:
    """The side the question asks about: the party named just before its first modal (我能 / 他能 /
    法院能); when that is 我 or no one, the side the question puts 我 on (``first_person``)."""
    match = _MODAL.search(question)
    if match is None:
        return first_person(question)
    segment_start = max(
        (m.end() for m in re.finditer(r"[，,。？?！!；;]", question[: match.start()])), default=0
    )
    name = _last_name(question[segment_start : match.start()])
    if name is None or name == "我":
        return first_person(question)
    near = _SIDE[name]
    return near if near in (COLLECTOR, DEBTOR, AUTHORITY) else COLLECTOR


def first_person(question: str) -> str:
    """The side of the question's 我: the debtor's when it says 我 borrowed or owes (我作为借款人,
    我在……借过钱, 我欠了), is the one collected from (催收……给我打电话) or whose data it is (我的个人信息),
    and says nothing of working in collection; the collector's side otherwise (the default)."""
    if _COLLECTOR_SELF.search(question) or not _DEBTOR_SELF.search(question):
        return COLLECTOR
    return DEBTOR


def authority_acts(question: str) -> bool:
    """The act asked about is an authority's (法院能……吗, 能不能让法院……): what it does turns on its
    own findings, so the asker can at most obtain it."""
    act = asked_act(question)
    return asker(question) == AUTHORITY or any(
        _SIDE[m.group(0)] == AUTHORITY and act[max(0, m.start() - 1) : m.start()] in _CAUSATIVE
        for m in _PARTY.finditer(act)
    )


def belongs_elsewhere(sentence: str, asked: str) -> bool:
    """The sentence's permission is held by a party on another side than the one asked about
    (an authority's power is no party's side: it is how a claim is granted)."""
    held = holder(sentence)
    return held is not None and held not in (asked, AUTHORITY)
