"""A scripted system and a tiny question set for the harness tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from evals.dataset import EvalQuestion
from evals.metrics import Ref
from evals.runner import CitedRef, SystemOutput

PIPL = ("中华人民共和国个人信息保护法", "个人信息保护法")
CIVIL = ("中华人民共和国民法典", "民法典")


def ref(doc: str, article: str, names: tuple[str, str]) -> dict[str, str]:
    return {"doc": doc, "article": article, "title": names[0], "short_title": names[1]}


QUESTIONS = [
    {
        "id": "q1",
        "question": "能把欠款发给通讯录吗？",
        "type": "colloquial",
        "answerable": True,
        "gold": [ref("laws/pipl.md", "第十四条", PIPL)],
        "acceptable": [ref("laws/pipl.md", "第十条", PIPL)],
        "key_points": ["基于个人同意处理个人信息"],
    },
    {
        "id": "q2",
        "question": "打到单位告诉同事？",
        "type": "colloquial",
        "answerable": True,
        "gold": [ref("laws/civil-code.md", "第一千零三十二条", CIVIL)],
        "acceptable": [],
        "key_points": ["自然人享有隐私权"],
    },
    {
        "id": "q3",
        "question": "明天下雨吗？",
        "type": "out_of_scope",
        "answerable": False,
        "gold": [],
        "acceptable": [],
        "key_points": ["应说明无依据"],
    },
    {
        "id": "q4",
        "question": "条款：注册即同意发送通讯录",
        "type": "clause_check",
        "answerable": True,
        "gold": [ref("laws/pipl.md", "第十四条", PIPL)],
        "acceptable": [],
        "key_points": [],
        "verdict": "unlawful",
    },
]

QUOTE = "基于个人同意处理个人信息的，该同意应当由个人在充分知情的前提下自愿、明确作出"
INDEX = {("laws/pipl.md", "第十四条"): QUOTE + "。"}


def write_questions(path: Path, rows: list[dict] | None = None) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows or QUESTIONS) + "\n", "utf-8")
    return path


def r(doc: str, article: str, names: tuple[str, str] = PIPL) -> Ref:
    return Ref(doc, article, *names)


@dataclass
class FakeSystem:
    """Answers from a script keyed by question id; raises for ids in ``fail``."""

    script: dict[str, SystemOutput]
    name: str = "regkb"
    retrieval_only: bool = False
    fail: set[str] = field(default_factory=set)
    closed: bool = False

    def __call__(self, question: EvalQuestion) -> SystemOutput:
        if question.id in self.fail:
            raise RuntimeError("boom")
        return self.script.get(question.id, SystemOutput())

    def check_citation(self, ref: Ref, quote: str) -> bool:
        text = INDEX.get((ref.doc, ref.article))
        return text is not None and bool(quote) and quote in text

    def close(self) -> None:
        self.closed = True


def good_script() -> dict[str, SystemOutput]:
    return {
        # gold at rank 2 behind a wrong article: R@1 0, R@5 1, MRR 0.5; cites gold verbatim
        "q1": SystemOutput(
            retrieved=(r("laws/pipl.md", "第二条"), r("laws/pipl.md", "第十四条")),
            cited=(CitedRef(r("laws/pipl.md", "第十四条"), QUOTE[:20]),),
            answer="依据个人信息保护法。",
            latency_ms=10.0,
        ),
        # miss: only a wrong civil-code article; answer covers the key point
        "q2": SystemOutput(
            retrieved=(r("laws/civil-code.md", "第六百七十五条", CIVIL),),
            answer="自然人享有隐私权。",
            latency_ms=20.0,
        ),
        "q3": SystemOutput(refused=True, answer="知识库中没有找到依据", latency_ms=30.0),
        # statute-pack passage (other doc id) matches by title; invalid (altered) quote
        "q4": SystemOutput(
            retrieved=(r("statutes/个人信息保护法", "第十四条"),),
            cited=(CitedRef(r("laws/pipl.md", "第十四条"), "该同意应当由个人在完全知情"),),
            verdict="违规风险",
            latency_ms=40.0,
        ),
    }
