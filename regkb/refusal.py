"""When to say 知识库中没有找到依据 instead of answering.

The decision, strongest evidence first:

1. an exact article reference that resolves -> answer; one that does not -> refuse;
2. the question names a law the knowledge base does not hold (劳动合同法, 个人所得税法 …) and
   none it does hold -> refuse, naming the law;
3. a hit defines the term whose meaning is asked (regkb/definitions.py), or sets the hours or the
   cap a permission question's time or count is weighed by (regkb/measures.py: 「早上八点前能打电话
   吗？」 against 「……的时间为每日8:00至21:00」) -> answer;
4. otherwise a calibrated model (regkb/data/refusal.json, fitted by ``make train`` on the
   train splits' answerable and out-of-scope questions) turns the evidence (the ranker's
   probabilities for the best passages, the dense and lexical closeness, whether the question
   names an indexed document, how legal its vocabulary is, how many of its words no indexed
   text contains) into the probability that the
   knowledge base answers the question, and the answer is refused below the threshold fitted
   with it. No topic list: what is answerable follows from what the index holds.

An index without the dense channels the model was fitted on (the tests' hash embedder) falls
back to the lexical rule: answer a question that names an indexed document or describes a
conduct pattern, or whose BM25 match is strong and whose vocabulary is legal.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from regkb import vocab
from regkb.errors import ConfigError
from regkb.provisions import ProvisionResolver
from regkb.query import QueryPlan
from regkb.script import CHINESE_CHAR
from regkb.types import Hit, Ranked

log = logging.getLogger(__name__)
MODEL_PATH = Path(str(resources.files("regkb").joinpath("data/refusal.json")))
EVIDENCE = (
    "p1",
    "p2",
    "p3_mean",
    "e5_top",
    "use_top",
    "bm25_log",
    "memory_top",
    "situation_top",
    "named_doc",
    "conduct",
    "legal_terms",
    "log_len",
    "unknown_share",
    "unknown_count",
)
REQUIRED_CHANNELS = ("e5", "use")
# A question with no Chinese character (「Can a collector call the debtor's colleagues?」) has nothing to
# match a Chinese text with: BM25 finds none of its words and the calibration reads it as off-topic,
# naming can、the… as what the knowledge base lacks. The refusal says what to do instead.
NOT_CHINESE = (
    "知识库收录的是中文法规和制度，问题中没有中文，无法可靠检索：请用中文提问（法名可写英文，如 PIPL第13条）"
)


def not_indexed_mentions(text: str, resolver: ProvisionResolver | None = None) -> list[str]:
    """Laws named in text that the knowledge base does not hold (that the resolver's index lacks)."""
    found = vocab.not_indexed_names(text)
    if resolver is None:
        return found
    table = vocab.load_aliases()
    return [name for name in found if not resolver.doc_ids(table.law_named(name) or name)]


@functools.cache
def _legal_terms() -> tuple[str, ...]:
    text = resources.files("regkb").joinpath("data/userdict.txt").read_text(encoding="utf-8")
    words = {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(words, key=len, reverse=True))


def legal_term_count(text: str) -> int:
    """How many legal / collection terms of the user dictionary the text contains."""
    return sum(1 for term in _legal_terms() if term in text)


def evidence(plan: QueryPlan, ranked: Ranked, hits: Sequence[Hit]) -> np.ndarray:
    """The question-level evidence the calibrated model reads (order of EVIDENCE)."""
    probs = [h.score for h in hits[:3]] + [0.0] * (3 - min(3, len(hits)))
    return np.array(
        [
            probs[0],
            probs[1],
            sum(probs) / 3,
            ranked.top_score("e5"),
            ranked.top_score("use"),
            math.log1p(max(ranked.top_score("bm25"), 0.0)),
            ranked.top_score("memory"),
            ranked.top_score("situation"),
            float(bool(plan.documents)),
            float(bool(plan.conduct)),
            float(min(legal_term_count(plan.question), 5)),
            math.log1p(len(plan.question)),
            len(ranked.unknown) / max(ranked.words, 1),
            float(min(len(ranked.unknown), 5)),
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class Decision:
    refuse: bool
    reason: str = ""
    probability: float | None = None  # P(the knowledge base answers), when the model decided


@dataclass(frozen=True, slots=True)
class Calibration:
    """A logistic model over EVIDENCE and the refusal threshold fitted with it."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    meta: dict = field(default_factory=dict)

    def probability(self, row: np.ndarray) -> float:
        z = float(((row - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_json(self) -> dict:
        return {
            "evidence": list(EVIDENCE),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 6),
            "meta": self.meta,
        }


def load_calibration(path: Path = MODEL_PATH) -> Calibration | None:
    """The fitted calibration; None (lexical fallback) before `make train` produced one."""
    if not path.exists():
        log.warning("%s: no refusal calibration; refusing on lexical evidence only (run `make train`)", path)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["evidence"]) != EVIDENCE:
            raise ValueError("fitted on other evidence than this regkb computes")
        return Calibration(
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
            float(data["threshold"]),
            dict(data.get("meta", {})),
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable refusal calibration ({exc}); run `make train`") from exc


def _listed(names: Sequence[str], most: int = 5) -> str:
    """《A》《B》… for a reason: the first ``most`` names, 等 after them when there are more."""
    return "".join(f"《{name}》" for name in names[:most]) + ("等" if len(names) > most else "")


def _unknown_reason(titles: Sequence[str], resolver: ProvisionResolver) -> str:
    """Why articles of these titles are not answered: the index lacks them, or a title is a part of
    several documents' names (「管理办法第十条」) or shortens a company policy's name (「催收办法」), and the
    question must say which."""
    reasons = []
    table = vocab.load_aliases()
    for title in titles:
        alike = resolver.containing(title) or resolver.spelled_in(title)
        successor = table.successor(title)
        if successor and resolver.doc_ids(successor):
            reasons.append(f"《{title}》已废止，其规定现由《{successor}》承继，请按《{successor}》的条文提问")
        elif len(alike) > 1:
            reasons.append(f"「{title}」可能指{_listed(alike)}，请说明是哪一部")
        elif alike:  # 「个信细则」: a shortening the name finder does not trust alone
            reasons.append(f"「{title}」可能指{_listed(alike)}，请用文件名称或常用简称提问")
        else:
            reasons.append(f"知识库未收录《{title}》")
    return "；".join(reasons)


class RefusalPolicy:
    answer_lexical: float = 20.0  # fallback: BM25 this strong on a question with legal vocabulary

    def __init__(self, calibration: Calibration | None = None, load: bool = True) -> None:
        self._calibration = calibration
        self._load = load and calibration is None

    @property
    def calibration(self) -> Calibration | None:
        """The fitted calibration, read on first use (training computes evidence without one)."""
        if self._load:
            self._calibration, self._load = load_calibration(), False
        return self._calibration

    def decide(
        self, plan: QueryPlan, ranked: Ranked, hits: Sequence[Hit], resolver: ProvisionResolver
    ) -> Decision:
        if not hits:
            return Decision(True, "检索无结果")
        if plan.refs:
            if ranked.lists.get("lookup"):
                return Decision(False)
            missing = "、".join(f"《{r.document}》{r.article}" for r in plan.refs)
            return Decision(True, f"知识库中没有{missing}")
        if plan.unheld:  # 「第2000条是什么」: no document has it
            return Decision(True, f"知识库中没有哪一部文件有{'、'.join(plan.unheld)}")
        if plan.ambiguous:  # 「第十条说了什么」: which document's?
            label, *owners = plan.ambiguous
            return Decision(
                True, f"{label}见于{len(owners)}部文件（{_listed(owners)}），请说明是哪一部的{label}"
            )
        if plan.unknown:  # 「商标法第十条」 with no 商标法 indexed: another law's article is no answer
            return Decision(True, _unknown_reason(plan.unknown, resolver))
        if not CHINESE_CHAR.search(plan.question):
            return Decision(True, NOT_CHINESE)
        foreign = not_indexed_mentions(plan.question, resolver)
        if foreign and not plan.documents:
            return Decision(True, f"知识库未收录{'、'.join(foreign)}")
        if {hit.passage.id for hit in hits} & {*ranked.defining, *ranked.measuring}:
            return Decision(
                False
            )  # 「无关第三人是什么意思」, 「早上八点前能打电话吗？」: answered by what leads
        if self.calibration is None or not all(c in ranked.lists for c in REQUIRED_CHANNELS):
            return self._lexical(plan, ranked)
        p = self.calibration.probability(evidence(plan, ranked, hits))
        if p < self.calibration.threshold:
            return Decision(True, self._reason(ranked, p), p)
        return Decision(False, "", p)

    @staticmethod
    def _reason(ranked: Ranked, p: float) -> str:
        """Names what the knowledge base lacks: the question's words no indexed text contains."""
        missing = f"；知识库中未出现：{'、'.join(ranked.unknown[:5])}" if ranked.unknown else ""
        return f"知识库中没有与问题足够相关的规定（置信度 {p:.2f}{missing}）"

    def _lexical(self, plan: QueryPlan, ranked: Ranked) -> Decision:
        if plan.conduct or plan.documents:
            return Decision(False)
        if ranked.top_score("bm25") >= self.answer_lexical and legal_term_count(plan.question) > 0:
            return Decision(False)
        return Decision(True, "相关度不足")
