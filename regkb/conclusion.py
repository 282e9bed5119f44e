"""The conclusion line: what the question asks, answered from the clauses that address it.

Permission and legality questions get a label and the clauses that decided it (regkb.permission): the
conditions of a 有条件可以 are named, and so are the deciding facts (the 「……的」 conditions of those
clauses) of a 视情况而定. Consequence questions get the sanctions with their basis; every other question
gets the governing sentence with its numbers (asked who approves or how long, the sentences that name
them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from regkb.force import (
    DUTY,
    EXCEPTION,
    PERMISSION,
    PROHIBITION,
    SANCTION,
    Clause,
    force_of,
)
from regkb.numerals import LEADING_LABEL
from regkb.permission import (
    CONDITIONAL,
    DEFINING,
    DEPENDS,
    NO,
    YES,
    Support,
    focused,
    grams,
    permission_label,
    supports_for,
)
from regkb.types import Conclusion

PERMISSION_Q = re.compile(
    r"能不能|能否|可不可以|可以吗|可否|行不行|行吗|合法吗|违法吗|犯法吗|合规吗|违规吗|算不算|靠谱吗|"
    r"是否(?:合法|违法|可以|允许|合规|构成|有效)|允许吗|有效吗|对吗|真的吗|支持吗|"
    r"[能可].{0,24}吗|(?:要|会|需要)(?:负|承担|被|坐牢|构成)[^？?]{0,12}吗|"
    # any yes/no question: ……吗？, A-not-A (有没有 / 认不认 / 会不会), or a trailing 不？/没？
    r"吗[？?！!。]|吗\s*$|([\u4e00-\u9fff])[不没]\1|[不没][？?]|吧[？?]"
)
CONSEQUENCE_Q = re.compile(
    r"后果|怎么处罚|如何处罚|什么处罚|哪些处罚|怎么罚|罚多少|判几年|判多久|坐牢|什么责任|哪些责任|"
    r"什么性质|怎么处理|如何处理|会被.{0,6}(?:处罚|罚|判)"
)
_NUMBERS = re.compile(r"[0-9０-９]+|[一二三四五六七八九十百千万两]+(?:年|个月|月|日|天|倍|万元|元|次|周岁)")
# Who approves, and how long: the question asks for the sentence that names them.
_WHO_Q = re.compile(
    r"找谁|谁(?:来)?(?:批|审批|批准|负责|决定|同意)|由谁|向谁|报给谁|哪个(?:部门|岗位|领导)|谁说了算"
)
_APPROVER = re.compile(r"(?:由|报|经|提交)[^，。；]{1,20}(?:审批|批准|审核)")
_WHEN_Q = re.compile(r"多久|多长时间|几天|几日|多少天|什么时候|何时|期限|时限|几个(?:工作日|小时|月)")
_TIME_LIMIT = re.compile(
    r"(?:[0-9０-９]+|[一二三四五六七八九十百两]+)(?:个)?(?:工作日|日|天|小时|个月|月|年|分钟)(?:内|以内|之内|前|后|以上)"
    r"|当日|当天|即时|立即"
)
DEFINITION_Q = re.compile(r"什么是|什么叫|何为|定义|是指|指什么|指哪些|具体指|是什么意思|怎么算|算不算")
_EXCEPTION_PHRASE = re.compile(
    r"但是[^。；]{2,60}|[^，。；：]{2,40}除外|除[^，。；]{1,40}外|经[^，。；]{1,30}同意|[^，。；]{0,10}另有规定[^，。；]{0,10}"
)
# A 「……的，」 condition: four characters or more, no quotation marks (「“好的，我转告”」 in a script is none).
_CONDITION = re.compile(r"([^，。；：“”「」‘’\"]{3,40}?的)，")
_SANCTION_KIND = (
    ("罚款", "罚款"),
    ("罚金", "罚金"),
    ("拘留", "拘留"),
    ("有期徒刑", "刑事责任"),
    ("拘役", "刑事责任"),
    ("刑事责任", "刑事责任"),
    ("赔偿", "民事赔偿"),
    ("侵权责任", "民事赔偿"),
    ("民事责任", "民事赔偿"),
)


def question_kind(question: str) -> str:
    """'permission', 'consequence' or 'other'."""
    if PERMISSION_Q.search(question):
        return "permission"
    if CONSEQUENCE_Q.search(question):
        return "consequence"
    return "other"


def _trim(text: str, limit: int) -> str:
    text = LEADING_LABEL.sub("", text).strip().rstrip("。；：:，,")
    return text if len(text) <= limit else text[:limit] + "……"


def _plain(clause: Clause, limit: int = 90) -> str:
    """The clause in plain words; an item or a 前款 sentence is stated with what governs it."""
    if clause.inherited and clause.context:
        return f"{_trim(clause.context, limit)}：{_trim(clause.text, limit)}"
    return _trim(clause.text, limit)


def _source(support: Support) -> str:
    return support.passage.citation_label


def conditions(supports: Sequence[Support]) -> list[str]:
    """The 「……的」 conditions and exception clauses the supports turn on, distinct, in order."""
    found: list[str] = []
    for s in supports:
        texts = _exceptions_of(s) if EXCEPTION in s.clause.kinds else []
        texts += [m.group(1) for m in _CONDITION.finditer(_plain(s.clause, 200))]
        for text in texts:
            if text not in found and not any(text in f for f in found):
                found.append(text)
    return found[:3]


def _exceptions_of(support: Support) -> list[str]:
    """The exception phrases (但是……, ……除外, 除……外, 经……同意) qualifying a supporting clause."""
    clause = support.clause
    out = []
    for other in force_of(support.passage).clauses:
        if EXCEPTION in other.own and (other.paragraph == clause.paragraph or other.text in clause.context):
            match = _EXCEPTION_PHRASE.search(other.text)
            out.append(match.group(0) if match else _trim(other.text, 60))
    return out


def _permission_text(label: str, decided: Sequence[Support]) -> str:
    basis = "、".join(dict.fromkeys(_source(s) for s in decided))
    if label == NO:
        return f"{NO}。{basis}：{_plain(decided[0].clause)}。" if decided else f"{NO}。"
    if label == YES:
        return f"{YES}。{basis}：{_plain(decided[0].clause)}。" if decided else f"{YES}。"
    named = "；".join(conditions(decided)) or (_plain(decided[0].clause, 60) if decided else "具体事实")
    if label == CONDITIONAL:
        return f"{CONDITIONAL}，条件是：{named}（{basis}）。"
    return (
        f"{DEPENDS}，取决于：{named}（{basis}）。"
        if basis
        else f"{DEPENDS}：现有依据不足以下结论，需结合具体事实判断。"
    )


def _consequence_text(supports: Sequence[Support]) -> str:
    sanctions = [s for s in supports if SANCTION in s.clause.kinds]
    if not sanctions:
        return "后果：" + "；".join(f"{_plain(s.clause)}（{_source(s)}）" for s in supports[:2]) + "。"
    kinds = dict.fromkeys(
        kind for s in sanctions for word, kind in _SANCTION_KIND if word in _plain(s.clause)
    )
    head = f"可能承担{'、'.join(kinds)}" if kinds else "后果"
    return f"{head}：" + "；".join(f"{_plain(s.clause)}（{_source(s)}）" for s in sanctions[:3]) + "。"


def _governing(supports: Sequence[Support], question: str) -> Support:
    def bonus(s: Support) -> float:
        extra = 0.5 if _NUMBERS.search(s.clause.text) else 0.0
        if DEFINITION_Q.search(question) and DEFINING.search(s.clause.text):
            extra += 1.0
        return s.weight * (1 + extra)

    return max(supports, key=bonus)


def _governing_text(best: Support, question: str) -> str:
    """The governing sentence in plain words. Asked who approves or how long, the sentences of its
    provision that name the approver or the time limit, those sharing the most with the question
    (「十二期以内的，由组长审批；超过十二期的，报委托银行审批」 for 找谁批; 「录音保存五年以上」 for 保存多久)."""
    cues = [cue for asks, cue in ((_WHO_Q, _APPROVER), (_WHEN_Q, _TIME_LIMIT)) if asks.search(question)]
    said = [c for c in force_of(best.passage).clauses if any(cue.search(c.text) for cue in cues)]
    if not said:
        return _plain(best.clause, 160)
    asked = grams(question)
    shared = [len(grams(c.text) & asked) for c in said]
    return "；".join(_plain(c, 80) for c, n in zip(said, shared, strict=True) if n == max(shared))


class LabelReader(Protocol):
    """What reads a permission question beside its supports and may change the rules' label
    (regkb.reader.ConclusionReader)."""

    def decide(self, question: str, label: str, supports: Sequence[Support]) -> str: ...


def conclude(
    question: str,
    supports: Sequence[Support],
    verdict: str | None = None,
    reader: LabelReader | None = None,
) -> Conclusion:
    """The conclusion line (and label, for permission questions) from the supporting clauses.

    With a ``reader``, a permission question's label is the reader's decision on the rules' one (a
    clause review's label stays the rules'); a label the reader changed rests on the supports of its
    own force."""
    kind = question_kind(question)
    if kind == "permission" or verdict is not None:
        focus = [focused(s, question) for s in supports]
        label, decided = permission_label(focus, verdict, question)
        if reader is not None and verdict is None and supports:
            read = reader.decide(question, label, supports)
            if read != label:
                label, decided = read, supports_for(read, focus)
        return Conclusion(label, _permission_text(label, decided))
    if not supports:
        return Conclusion(None, "现有依据不足以下结论，请查看下列条文。")
    if kind == "consequence":
        return Conclusion(None, _consequence_text(supports))
    best = _governing(supports, question)
    return Conclusion(None, f"{_governing_text(best, question)}（{_source(best)}）。")


def comparison(supports: Sequence[Support]) -> list[str]:
    """「公司制度要求……；」「法律规定……」 lines saying which is stricter, when both are among the supports."""
    internal = next((s for s in supports if s.passage.level == "内部制度"), None)
    law = next((s for s in supports if s.passage.level not in ("内部制度", "行业自律", "未分类")), None)
    if internal is None or law is None:
        return []
    strict_internal = internal.clause.kinds & {PROHIBITION, DUTY, SANCTION}
    loose_law = bool(law.clause.kinds & {PERMISSION, EXCEPTION}) or not law.clause.kinds & {PROHIBITION, DUTY}
    if strict_internal and loose_law:
        verdict = "公司制度比法律规定更严格，应按公司制度执行。"
    elif law.clause.kinds & {PROHIBITION, SANCTION} and PERMISSION in internal.clause.own:
        verdict = "法律规定比公司制度更严格，以法律为准。"
    else:
        verdict = "二者要求一致，公司制度不低于法律要求。"
    return [
        f"公司制度要求：{_plain(internal.clause)}（{_source(internal)}）；",
        f"法律规定：{_plain(law.clause)}（{_source(law)}）。{verdict}",
    ]
