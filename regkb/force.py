"""The force of a provision: what each of its sentences prohibits, requires, permits, excepts or punishes.

Chinese legal drafting marks force with a few words, and these rules read only those marks:

- prohibition: 不得 / 禁止 / 严禁 / 不准 / 不许 / 不应当, and what the law denies effect (无效 / 不发生效力 /
  视为没有 / 视为放弃 …);
- duty: 应当 / 必须;
- permission: 可以 / 有权 / 允许 (and exemptions: 不负……责任, 不承担……责任, 不属于……行为);
- exception: 但是 / 但…… / ……除外 / 除……外 / 经……同意 / 另有规定;
- sanction: 处……罚款 / 拘留 / 有期徒刑 / 拘役 / 管制 / 罚金, 追究刑事责任, 承担……责任.

An item （一）… inherits the force of its chapeau (「任何组织或者个人不得实施下列行为：」, 「有下列行为之一的，
处五日以下拘留……」), and a 款 that begins with 前款 inherits the force of the paragraph it refers to.

``force_of(passage)`` is computed once per passage on first use and cached for the life of the
process (keyed by the passage id, which is a content hash), so an answer pays for it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from regkb.numerals import LEADING_LABEL
from regkb.types import Passage

PROHIBITION = "prohibition"
DUTY = "duty"
PERMISSION = "permission"
EXCEPTION = "exception"
SANCTION = "sanction"
EXEMPTION = "exemption"  # 不负……责任 / 不承担……责任 / 不属于……违法: no liability for the act
LAPSE = "lapse"  # a right or liability ends: 消灭 / 不再承担 / 丧失

_PENALTY = r"(?:罚款|拘留|有期徒刑|无期徒刑|拘役|管制|罚金|剥夺政治权利|吊销|没收)"
_PATTERNS: dict[str, re.Pattern[str]] = {
    SANCTION: re.compile(
        rf"处[^。；]{{0,40}}?{_PENALTY}|并处[^。；]{{0,20}}?{_PENALTY}|追究刑事责任|(?<!不)构成犯罪"
        r"|(?<![不免])(?:应当|应|依法)?(?:承担|负)[^。；，]{0,8}?(?:刑事|民事|侵权|赔偿|法律)责任"
        r"|(?:依照|按照)[^。；]{0,20}规定(?:定罪)?处罚|从重处罚|予以处罚"
    ),
    # 方可 / 只有……才: permitted only when the condition holds (an exception to an implied prohibition)
    PROHIBITION: re.compile(
        r"不得|禁止|严禁|不准|不许|不应当|无效|不发生效力|视为(?:没有|拒绝|放弃|不同意)|不予支持|不予保护|暂停|(?<![一双对各另])方可(?!以)|只有[^。；]{1,40}?才"
    ),
    DUTY: re.compile(r"(?<!不)应当|必须|(?<!不)应予"),
    PERMISSION: re.compile(r"(?<![不并])可以(?!并处)|有权|允许|准许|应予支持|予以支持"),
    EXEMPTION: re.compile(
        r"不负[^。；，]{0,6}责任|不承担[^。；，]{0,6}责任|不属于[^。；，]{0,12}(?:违法|违反|犯罪)"
    ),
    LAPSE: re.compile(r"(?:权|权利)消灭|不再承担|丧失[^。；，]{0,8}(?:权|资格)|(?<!生效、)失效"),
    EXCEPTION: re.compile(
        r"但是|但(?=[^是])|除外|除[^。；]{1,40}?外|经[^。；]{1,30}?同意|另有规定|以[^。；]{1,30}?为限|不在此限"
        r"|(?<![一双对各另])方可(?!以)|只有[^。；]{1,40}?才"
    ),
}
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_ITEM = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")
_CHAPEAU_END = re.compile(r"[：:]\s*$")
_REFERS_BACK = re.compile(r"^\s*(?:第[^条\s]{1,6}条\s*)?(?:违反)?前[一二三两四]?款")
# A defining 款 (「前款所称……，是指……」) says what a word means: it takes no force from the 款 it explains.
_DEFINES = re.compile(r"所称|是指")


@dataclass(frozen=True, slots=True)
class Clause:
    """One sentence of a provision with its force, inherited force included."""

    text: str  # verbatim sentence
    start: int  # offset in the passage text
    end: int
    paragraph: int  # index of its line among the passage's non-blank lines
    own: frozenset[str]  # force marked in the sentence itself
    inherited: frozenset[str]  # force of its chapeau or of the 款 that 前款 refers to
    context: str = ""  # the chapeau or referred 款 (verbatim), "" if none

    @property
    def kinds(self) -> frozenset[str]:
        return self.own | self.inherited


@dataclass(frozen=True, slots=True)
class ProvisionForce:
    clauses: tuple[Clause, ...]

    def having(self, kind: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if kind in c.kinds)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset().union(*(c.kinds for c in self.clauses)) if self.clauses else frozenset()


_EXCEPTED = re.compile(r"(?:但是|但)[^。；]*?除外|除[^。；]{1,40}?外")
# A permission in brackets remarks on one word (借款人姓名（可以部分隐去）): no permission of the act.
# A bracket that forbids, obliges, excepts or punishes (（禁止夜间外访）, （但不得在22:00后）) stays.
_PARENTHETICAL = re.compile(r"（[^（）]{0,30}）|\([^()]{0,30}\)")
_PROHIBITIVE_PROVISO = re.compile(r"[，,](?:但是|但)(?=[^。；]*?(?:不得|禁止))[^。；]*")


def _unless_binding(bracket: re.Match[str]) -> str:
    """The bracket removed when a permission is all the force it holds, else kept as written."""
    inner = bracket.group(0)
    binding = any(pattern.search(inner) for kind, pattern in _PATTERNS.items() if kind != PERMISSION)
    return inner if binding or _EXCEPTED.search(inner) else ""


def kinds_of(sentence: str) -> frozenset[str]:
    """The force words a single sentence carries.

    Words inside an exception phrase (「但是……不得……的除外」) mark the exception, not the rule: a
    prohibition there does not make the sentence a prohibition.
    """
    excepted = _EXCEPTED.sub("", sentence)
    rule = _PARENTHETICAL.sub(_unless_binding, excepted)
    found = {kind for kind, pattern in _PATTERNS.items() if pattern.search(rule)}
    if PERMISSION in found and PROHIBITION in found and _PROHIBITIVE_PROVISO.search(rule):
        # 可以……，但不得……: the proviso bounds the permission, it is no prohibition of the act
        unbounded = _PROHIBITIVE_PROVISO.sub("", rule)
        if not _PATTERNS[PROHIBITION].search(unbounded) and _PATTERNS[PERMISSION].search(unbounded):
            found.discard(PROHIBITION)
            found.add(EXCEPTION)
    if excepted != sentence:
        found.add(EXCEPTION)
    return frozenset(found)


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, line) of each non-blank line."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


def _context_of(index: int, paragraphs: list[tuple[int, str]]) -> str:
    """The chapeau an item hangs from, or the 款 a 前款 sentence refers to."""
    line = paragraphs[index][1]
    if _ITEM.match(line):
        for j in range(index - 1, -1, -1):
            previous = paragraphs[j][1]
            if not _ITEM.match(previous):
                return previous.strip() if _CHAPEAU_END.search(previous) else ""
        return ""
    if index > 0 and _REFERS_BACK.match(LEADING_LABEL.sub("", line)):
        return paragraphs[index - 1][1].strip()
    return ""


def analyse(text: str) -> ProvisionForce:
    """The clauses of a provision's text with their force."""
    clauses: list[Clause] = []
    paragraphs = _paragraphs(text)
    for index, (offset, line) in enumerate(paragraphs):
        context = _context_of(index, paragraphs)
        inherited = kinds_of(context) if context and not _DEFINES.search(line) else frozenset()
        found = []
        for match in _SENTENCE.finditer(line):
            sentence = match.group(0).strip()
            if not sentence:
                continue
            start = offset + match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            found.append(
                Clause(sentence, start, start + len(sentence), index, kinds_of(sentence), inherited, context)
            )
        clauses.extend(_share_exceptions(found))
    return ProvisionForce(tuple(clauses))


def _share_exceptions(paragraph: list[Clause]) -> list[Clause]:
    """An exception sentence (「……；个人明确拒绝的除外。」) qualifies every sentence of its paragraph."""
    if not any(EXCEPTION in c.own for c in paragraph):
        return paragraph
    return [replace(c, inherited=c.inherited | {EXCEPTION}) for c in paragraph]


@lru_cache(maxsize=16384)
def _cached(passage_id: str, text: str) -> ProvisionForce:
    return analyse(text)


def force_of(passage: Passage) -> ProvisionForce:
    """The passage's force, computed once per passage and cached."""
    return _cached(passage.id, passage.text)


_SEGMENT = re.compile(r"[^，,]+[，,]?")  # comma phrases of a sentence
DECISIVE = frozenset({PERMISSION, EXEMPTION, PROHIBITION, SANCTION})  # force that decides yes or no


def units(sentence: str) -> list[str]:
    """The sentence cut where its force changes: each unit is one force word's reach, the 「……的」
    conditions before it included (「考试不合格的，可以补考一次，」「补考仍不合格的，不得从事催收工作。」);
    a comma phrase without force continues the unit before it."""
    out: list[str] = []
    pending = ""
    for segment in _SEGMENT.findall(sentence):
        if kinds_of(segment) & DECISIVE:
            out.append(pending + segment)
            pending = ""
        elif out and not segment.rstrip("，,").endswith("的"):
            out[-1] += segment
        else:
            pending += segment
    if pending:
        out = [*out[:-1], out[-1] + pending] if out else [pending]
    return out
