"""The label of a permission or legality question, from the force of the clauses that address it.

Permission and legality questions (能不能 / 可以吗 / 行不行 / 合法吗 / 违法吗 / 算不算 / 靠谱吗 …) get a
label: 不可以 when the clauses addressing the act prohibit or punish it, 可以 when they permit it,
有条件可以 when the permission carries an exception, a consent condition or a duty, and 视情况而定 when
the clauses point both ways or do not settle it. It never guesses.

Whose force it is matters (regkb.parties): a permission held by another side than the asker's
(「个人有权拒绝」 when the collector asks) bounds the asker's act instead of permitting it; an
authority's power the question asks the authority to use, a permission in listed circumstances and a
liability past a threshold (情节严重) are conditional.

A sentence that both permits and forbids (「考试不合格的可以补考一次，补考仍不合格的不得从事催收工作」)
is read by the part that speaks of the question. Asked whether the asker will be punished (会不会被罚 /
构成犯罪吗) where the sanction holds only past a threshold (情节严重, 数额较大), the answer turns on it.
Hours and counts the question names are weighed against the windows and caps the clauses set
(regkb.clock, regkb.limits).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from regkb import clock, limits
from regkb.force import (
    DUTY,
    EXCEPTION,
    EXEMPTION,
    LAPSE,
    PERMISSION,
    PROHIBITION,
    SANCTION,
    Clause,
    force_of,
    kinds_of,
    units,
)
from regkb.parties import (
    AUTHORITY,
    DEBTOR,
    asked_act,
    asker,
    authority_acts,
    bearer,
    belongs_elsewhere,
    holder,
)
from regkb.types import Passage

NO, YES, CONDITIONAL, DEPENDS = "不可以", "可以", "有条件可以", "视情况而定"
LABELS = (NO, YES, CONDITIONAL, DEPENDS)

# Questions about a remedy against the other side's conduct (suing, reporting, complaining, claiming).
REMEDY_Q = re.compile(
    r"(?<![转诉报劝])告(?:他|她|对方)|起诉|报警|报案|投诉|举报|索赔|追偿|追究|追他|撤销|撤吗"
    r"|申请(?:强制)?执行|要求赔偿"
)
# Questions whether the asker may demand performance (催 / 追 / 讨 / 主张 / 找……要), and duties to perform.
_DEMAND = re.compile(r"催|追|讨|索要|主张|请求|收回|找[^，。？?]{1,8}要|要(?:回|钱|债|账)")
_ASKS_OF = re.compile(r"要求|请求")  # a demand made of another party
_PERFORM = re.compile(r"偿还|清偿|支付|返还|归还|履行")
_GRANTS = re.compile(r"应予支持|予以支持")  # a court granting a party's claim
_LIABILITY = re.compile(r"责任|处罚|刑|罪")
_LIABILITY_Q = re.compile(
    r"会不会被(?:罚|处罚|判|抓|拘留|追究)|会被(?:罚|处罚|判|抓|拘留)|构成(?:犯罪|.{0,4}罪)|算(?:犯罪|.{0,4}罪)"
    r"|犯罪吗|(?:会|要|得)坐牢(?:吗|么|嘛)|坐牢吗|坐牢的?风险|会不会[^，。？?]{0,6}坐牢|处罚吗|罚款吗|免于处罚|不被处罚|(?:要|会)(?:负|承担).{0,6}责任"
)
_YES_FORCE = frozenset({PERMISSION, EXEMPTION})
_NO_FORCE = frozenset({PROHIBITION, SANCTION})
_THRESHOLD = re.compile(r"情节(?:特别)?(?:严重|恶劣)|数额(?:较大|巨大)|造成严重后果")
_DEFENCE = re.compile(r"抗辩|有权拒绝|可以拒绝")
DEFINING = re.compile(r"是指|指的是|所称|称.{0,10}是|包括")
CLASSIFY_Q = re.compile(r"算不算|属不属于|属于[^？?]{0,20}吗|算[^？?]{0,10}吗")
_LEGALITY = re.compile(r"违法|犯法|犯罪|违规|合法|合规|侵权")
_LISTED = re.compile(r"(?:有|具有|符合)下列(?:情形|条件|情况)之一的")
_COURT_RESTRAINT = re.compile(r"(?:人民法院|仲裁机构)[^，。；]{0,6}不得")
_HARASSING = re.compile(r"侵扰|骚扰|干扰|过度|频繁")
_MANNER = re.compile(r"不得(?:以)?(?:非法|违法|擅自|过度|超出|超过|不正当)")
_NEGATED = re.compile(r"(?:不得|不能|不可|禁止|严禁|不准|不许|只能)([^，。；！？,;]{2,30})")
_WAIVED = re.compile(r"(?:无需|无须|不需要?|不必|不用|免除|免于)([^，。；！？,;]{2,20})")
_ELAPSED = re.compile(r"早过了|已经过了|早就过了|过了[^，。？?]{0,6}(?:期|时效)|已过|超过了|届满了|过期了")
_FUNCTION_CHARS = set("的了是在和与或及其他她它们这那个些有无不得可以应当任何组织人者")
_NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")


@dataclass(frozen=True, slots=True)
class Support:
    """A clause that addresses the question, in the passage that holds it, with its relevance weight."""

    passage: Passage
    clause: Clause
    weight: float


def focused(support: Support, question: str) -> Support:
    """A sentence that both permits and forbids (可以……，……不得……) read by the part that speaks of the
    question: the unit sharing the most content with it, when one shares strictly more than the rest.
    An exception of the whole sentence stays with the part."""
    clause = support.clause
    parts = units(clause.text)
    forces = [kinds_of(p) for p in parts]
    if len(parts) < 2 or not (any(f & _YES_FORCE for f in forces) and any(f & _NO_FORCE for f in forces)):
        return support
    asked = grams(question)
    overlap = sorted(((len(grams(p) & asked), i) for i, p in enumerate(parts)), reverse=True)
    if overlap[0][0] == 0 or overlap[0][0] == overlap[1][0]:
        return support
    part = parts[overlap[0][1]]
    own = kinds_of(part) | (clause.own & {EXCEPTION})
    return Support(support.passage, replace(clause, text=part, own=own), support.weight)


def _is_no(clause: Clause) -> bool:
    """The clause forbids or punishes the act (a court's own restraint is not about the asker's act)."""
    if SANCTION in clause.kinds or LAPSE in clause.kinds:
        return PERMISSION not in clause.own
    if PROHIBITION in clause.kinds and PERMISSION not in clause.own:
        return not _COURT_RESTRAINT.search(clause.text)
    return False


def _is_yes(clause: Clause) -> bool:
    return bool(clause.own & {PERMISSION, EXEMPTION}) and not (clause.own & {PROHIBITION, SANCTION})


def _manner_only(clause: Clause) -> bool:
    """A prohibition of a manner (不得非法……, 不得过度……): a lawful way remains, so it is a condition."""
    return SANCTION not in clause.kinds and bool(_MANNER.search(clause.text))


def grams(text: str) -> set[str]:
    return {run[i : i + 2] for run in _NON_CJK.split(text) for i in range(len(run) - 1)}


def waives(question: str, clause: Clause) -> bool:
    """The question's text (a draft clause) waives what the clause requires (无需监护人同意 vs 经……同意)."""
    if not clause.kinds & {DUTY, EXCEPTION}:
        return False
    waived = "".join(_WAIVED.findall(question))
    return len(grams(waived) & grams(clause.text)) >= 2


def respected(question: str, clause: Clause) -> bool:
    """The question's own text (a draft clause) already forbids what the clause prohibits.

    Compared by content characters, not bigrams, so 不得透露 meets 不得泄露."""
    negated = "".join(_NEGATED.findall(question))
    return len(_chars(negated) & _chars(clause.text)) >= 3


def _chars(text: str) -> set[str]:
    return {c for c in "".join(_NON_CJK.split(text)) if c not in _FUNCTION_CHARS}


def supports_for(label: str, supports: Sequence[Support]) -> list[Support]:
    """The supports a label rests on when it was not the rules' own: the prohibiting clauses for
    不可以, the permitting ones for 可以, those with a condition or exception for the other two; the
    best-ranked supports when none has that force."""
    if label == NO:
        chosen = [s for s in supports if _is_no(s.clause)]
    elif label == YES:
        chosen = [s for s in supports if _is_yes(s.clause)]
    else:
        chosen = [s for s in supports if EXCEPTION in s.clause.kinds or _is_yes(s.clause)]
    return (chosen or list(supports))[:2]


def permission_label(
    supports: Sequence[Support], verdict: str | None = None, question: str = ""
) -> tuple[str, list[Support]]:
    """The label and the supports that decided it.

    ``verdict`` is the clause review's verdict when the question quotes a draft clause.
    """
    no = [s for s in supports if _is_no(s.clause)]
    if verdict is not None:
        return _draft_label(supports, no, verdict, question)
    defining = [s for s in supports if DEFINING.search(s.clause.text) and s not in no]
    if defining and CLASSIFY_Q.search(question) and not _LEGALITY.search(question):
        return YES, defining[:1]  # 算不算 X (not 算不算违法): a defining sentence addresses it
    asked = asker(question)  # a permission held by another side is a condition on the asker's act
    others = [s for s in supports if _is_yes(s.clause) and belongs_elsewhere(s.clause.text, asked)]
    yes = [s for s in supports if _is_yes(s.clause) and s not in others]
    # 法院能……吗: the other side's default is the ground, the court's findings the condition
    if authority_acts(question):
        return _authority_label([*yes, *others], no)
    past = [
        s
        for s in no
        if SANCTION in s.clause.kinds and _THRESHOLD.search(f"{s.clause.context}{s.clause.text}")
    ]
    if past and _LIABILITY_Q.search(question):
        return DEPENDS, past[:2]  # 会不会被罚 / 构成犯罪吗: the sanction holds past a threshold (情节严重)
    act = asked_act(question)
    if REMEDY_Q.search(act) or (asked == DEBTOR and _ASKS_OF.search(act)):
        # 能告他吗; a debtor's 能要求他们……吗: what the other side is forbidden is the demand's ground
        return _remedy_label([*yes, *others], no, act)
    # the asker's own conduct: what a court grants a claim (人民法院应予支持) does not permit a way of acting
    granted = [s for s in yes if _GRANTS.search(s.clause.text) and holder(s.clause.text) == AUTHORITY]
    reached, spared, split, beside, basis = _measured(no, question)
    beside += _harassing_within_cap(no, spared, reached, question)
    if spared and len(spared) + len(beside) == len(no):
        return YES, [basis[spared[0]]]  # 「下午三点能打吗？」: no prohibition of hours reaches 15:00
    if split and not reached:
        return DEPENDS, [basis[split[0]], split[0]]  # 「九点半能打吗？」: morning yes, evening no
    # 「晚上十点」, 「一天打十次」: the prohibition of hours or the cap that reaches it is the first basis
    unmeasured = [s for s in no if s not in reached and s not in spared and s not in beside]
    return _force_label(
        [s for s in supports if s not in spared and s not in beside],
        [s for s in yes if s not in granted],
        [*reached, *unmeasured],
        question,
        [*others, *granted],
    )


def _measured(
    no: Sequence[Support], question: str
) -> tuple[list[Support], list[Support], list[Support], list[Support], dict[Support, Support]]:
    """The prohibitions of hours or counts that reach what the question asks about (「晚上十点」 against
    「在此时段以外，不得拨打电话」 of a provision whose window is 8:00至21:00; 「一天打十次电话」 against
    「电话拨打每日不超过六次」), those that reach none of it (「下午三点」, 「一天打五次」), those reaching
    some (「九点半」, morning or evening), and those capping only other acts (「短信每日不超过两条」 to a
    question about calls); with the sentence to quote for each spared or split one (the window's, the
    cap's)."""
    times, counts = clock.times(question), limits.asked(question)
    acts = {c.act for c in counts}
    reached: list[Support] = []
    spared: list[Support] = []
    split: list[Support] = []
    beside: list[Support] = []
    basis: dict[Support, Support] = {}
    for s in no if times or counts else ():
        hours = clock.forbidden(s.clause.text, s.passage.text, s.clause.start) if times else None
        if hours is not None:
            verdict = clock.reach(times, hours)
            if verdict is not True:
                basis[s] = _window_of(s)
            (split if verdict is None else reached if verdict else spared).append(s)
            continue
        capped = _capped(s) if counts else []
        own = [(sentence, cap) for sentence, cap in capped if cap.act in acts]
        verdict = limits.reach(counts, [cap for _, cap in own])
        if verdict is not None:
            basis[s] = own[0][0]
            (reached if verdict else spared).append(s)
        elif capped and not own:
            beside.append(s)
    return reached, spared, split, beside, basis


def _harassing_within_cap(
    no: Sequence[Support], spared: Sequence[Support], reached: Sequence[Support], question: str
) -> list[Support]:
    """Prohibitions of harassing by the act a count asks about (「以电话……侵扰他人的私人生活安宁」, 「过度频繁的
    来电」) when a cap of that act spares the count and none reaches it: the cap says how often is not
    harassing (「一天打五次电话」 against 「电话拨打每日不超过六次」)."""
    counts = limits.asked(question)
    if reached or not counts or not any(_capped(s) for s in spared):
        return []
    asked_acts = {count.act for count in counts}
    return [
        s
        for s in no
        if s not in spared and _HARASSING.search(s.clause.text) and asked_acts & limits.acts(s.clause.text)
    ]


def _capped(support: Support) -> list[tuple[Support, limits.Count]]:
    """The caps the prohibition sets, each with the sentence setting it: its own, or its items' when it
    is their chapeau (「联系频次不得超过下列上限：」 over 「（一）电话拨打每日不超过六次」)."""
    clause = support.clause
    sentences = [clause] + [
        c for c in force_of(support.passage).clauses if c.context and c.context == clause.text
    ]
    return [
        (replace(support, clause=sentence), cap)
        for sentence in sentences
        for cap in limits.caps(sentence.text, sentence.context)
    ]


def _window_of(support: Support) -> Support:
    """The sentence stating the hours a spared prohibition guards (「……的时间为每日8:00至21:00。」), the
    prohibition itself when it states them."""
    stated = [
        c
        for c in force_of(support.passage).clauses
        if c.start < support.clause.start and clock.windows(c.text)
    ]
    return replace(support, clause=stated[-1]) if stated else support


def _draft_label(
    supports: Sequence[Support], no: Sequence[Support], verdict: str, question: str
) -> tuple[str, list[Support]]:
    """A quoted draft clause: the review's red line, a restated or waived rule, or nothing against it."""
    if verdict == "违规风险":
        return NO, list(no[:2]) or list(supports[:1])
    # a right that lapses (保证人不再承担保证责任) says what follows if a term runs out, it forbids no term
    no = [s for s in no if s.clause.kinds & {PROHIBITION, SANCTION}]
    kept = [s for s in no if respected(question, s.clause)]
    if kept and sum(s.weight for s in kept) >= 0.5 * sum(s.weight for s in no):
        return YES, kept[:2]  # the draft restates the prohibitions that mostly address it
    waived = [s for s in supports if waives(question, s.clause)]
    if waived:
        return NO, waived[:2]  # the draft waives what the law requires (无需……同意)
    if not no:
        return YES, list(supports[:1])  # a reviewed draft clause that no provision forbids
    return _force_label(supports, [s for s in supports if _is_yes(s.clause)], no, question)


def _force_label(
    supports: Sequence[Support],
    yes: Sequence[Support],
    no: Sequence[Support],
    question: str = "",
    others: Sequence[Support] = (),
) -> tuple[str, list[Support]]:
    """Weigh the clauses that permit the act against those that forbid or punish it; the rights of
    another side (个人有权拒绝, 继承人……可以不负……责任) bound the act, they do not permit it."""
    weight_no, weight_yes = sum(s.weight for s in no), sum(s.weight for s in yes)
    if weight_no == 0 and weight_yes == 0:
        if others:
            return CONDITIONAL, list(others[:2])
        owed = owed_to_asker(supports, question)
        return (YES, owed[:2]) if owed else (DEPENDS, list(supports[:2]))
    if weight_no >= 2 * weight_yes:
        return NO, list(no[:2])
    if weight_yes >= 2 * weight_no and not any(LAPSE in s.clause.kinds for s in no):
        conditional = [s for s in yes if EXCEPTION in s.clause.kinds or _bounded(s.clause, question)]
        conditional += [*others, *(s for s in no if _manner_only(s.clause))]
        conditional += [s for s in supports if EXCEPTION in s.clause.own and s not in yes and s not in no]
        return (CONDITIONAL, conditional[:2]) if conditional else (YES, list(yes[:2]))
    return _mixed(yes, no, bool(_ELAPSED.search(question)))


def owed_to_asker(supports: Sequence[Support], question: str) -> list[Support]:
    """When the question asks whether the asker may demand performance, the duties to perform
    (偿还 / 清偿 / 支付 …) that another side than the asker's bears: a duty owed is a claim to demand it."""
    if not _DEMAND.search(asked_act(question)):
        return []
    asked = asker(question)
    return [
        s
        for s in supports
        if DUTY in s.clause.own and _PERFORM.search(s.clause.text) and bearer(s.clause.text) != asked
    ]


def _bounded(clause: Clause, question: str) -> bool:
    """A permission that holds only in listed circumstances (有下列情形之一的，……可以), or an
    authority's power the question asks the authority to use (法院能……吗): it turns on conditions."""
    if _LISTED.search(f"{clause.context}{clause.text}"):
        return True
    return holder(clause.text) == AUTHORITY and authority_acts(question)


def _remedy_label(yes: Sequence[Support], no: Sequence[Support], act: str = "") -> tuple[str, list[Support]]:
    """能告他吗 / 能报警吗: what the law forbids or punishes the other side is the asker's remedy; a right
    that may have lapsed turns on the facts; the other side's defence (抗辩, 有权拒绝) is a condition, and so
    is the threshold (情节严重, 数额较大) of the liability the remedy rests on."""
    lapsed = [s for s in no if LAPSE in s.clause.kinds]
    grounds = [*yes, *(s for s in no if s not in lapsed)]
    if lapsed and grounds:
        return DEPENDS, [grounds[0], lapsed[0]]
    if lapsed:
        return NO, lapsed[:2]
    if not grounds:
        return DEPENDS, []
    defences = [s for s in grounds if _DEFENCE.search(s.clause.text)]
    if _LIABILITY.search(act):  # the remedy sought is a liability: 情节严重的，处…… holds past a threshold
        defences = [
            s for s in grounds if SANCTION in s.clause.kinds and _THRESHOLD.search(s.clause.text)
        ] + defences
    return (CONDITIONAL, defences[:2]) if defences else (YES, grounds[:2])


def _authority_label(yes: Sequence[Support], no: Sequence[Support]) -> tuple[str, list[Support]]:
    """法院能冻结他的存款吗 / 能不能让法院……: an authority's act is a remedy sought from it. What the law
    forbids or punishes the other side (拒不履行) is its ground, not a bar to it; the authority acts on
    its own findings, so with a ground or a power of its own the answer is conditional on them."""
    powers = [s for s in yes if holder(s.clause.text) == AUTHORITY]
    grounds = [*powers, *(s for s in yes if s not in powers), *(s for s in no if LAPSE not in s.clause.kinds)]
    lapsed = [s for s in no if LAPSE in s.clause.kinds]
    if lapsed and not grounds:
        return NO, lapsed[:2]
    return (CONDITIONAL, grounds[:2]) if grounds else (DEPENDS, [])


def _mixed(yes: Sequence[Support], no: Sequence[Support], elapsed: bool = False) -> tuple[str, list[Support]]:
    """Clauses point both ways: liability against exemption, or a right that may have lapsed, turn on facts;
    a permission bounded by prohibitions of manner or by duties is a conditional yes."""
    exempting = any(EXEMPTION in s.clause.own for s in yes) and any(SANCTION in s.clause.kinds for s in no)
    lapsing = any(LAPSE in s.clause.kinds for s in no)
    if lapsing and elapsed:
        return NO, [s for s in no if LAPSE in s.clause.kinds][:2]  # the question says the time has run
    if exempting or lapsing or any(SANCTION in s.clause.kinds for s in no):
        return DEPENDS, [*yes[:1], *no[:1]]
    return CONDITIONAL, [*yes[:1], *no[:1]]
