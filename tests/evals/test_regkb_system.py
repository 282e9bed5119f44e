"""RegkbSystem maps an engine Answer onto what the scorer reads and checks citations in the index."""

from __future__ import annotations

from evals.dataset import EvalQuestion
from evals.metrics import Ref
from evals.runner import RegkbSystem, run_one
from regkb.types import Answer, Citation, Hit, Passage

TEXT = "基于个人同意处理个人信息的，该同意应当由个人在充分知情的前提下自愿、明确作出。"


def passage(article: str, text: str, part: int = 0) -> Passage:
    return Passage(
        id=Passage.make_id("laws/pipl.md", article, part, text),
        doc_id="laws/pipl.md",
        root="shared-corpus",
        title="中华人民共和国个人信息保护法",
        short_title="个人信息保护法",
        level="法律",
        article=article,
        text=text,
        part=part,
    )


P14 = passage("第十四条", TEXT)
P13 = passage("第十三条", "符合下列情形之一的，个人信息处理者方可处理个人信息。")


class FakeEngine:
    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []
        self.closed = False

    def ask(self, question, filters=None, k=10):
        self.asked.append((question, k))
        citations = (Citation(P14, "该同意应当由个人在充分知情"), Citation(P13, "编造的引文"))
        hits = (Hit(P13, 0.9, ("dense",)), Hit(P14, 0.8, ("bm25", "lookup")))
        return Answer(question, "答案", citations, hits, False, {"total": 1.0}, verdict="违规风险")

    def passages_of(self, doc_id):
        return [P13, P14] if doc_id == "laws/pipl.md" else []

    def close(self) -> None:
        self.closed = True


def test_answer_is_mapped_and_citations_checked_against_the_index():
    engine = FakeEngine()
    system = RegkbSystem(engine)
    q = EvalQuestion(id="q", question="能发通讯录吗", type="clause_check", answerable=True)
    outcome = run_one(system, q)
    out = outcome.output
    assert engine.asked == [("能发通讯录吗", 10)]
    assert out.retrieved == (
        Ref("laws/pipl.md", "第十三条", "中华人民共和国个人信息保护法", "个人信息保护法"),
        Ref("laws/pipl.md", "第十四条", "中华人民共和国个人信息保护法", "个人信息保护法"),
    )
    assert out.verdict == "违规风险" and out.answer == "答案" and not out.refused
    assert outcome.valid_citations == 1
    assert [c.quote for c in outcome.invalid_citations] == ["编造的引文"]
    assert system.check_citation(Ref("laws/pipl.md", "第十四条"), "充分知情")
    assert not system.check_citation(Ref("laws/pipl.md", "第九十九条"), "充分知情")  # no such article
    assert not system.check_citation(Ref("laws/other.md", "第十四条"), "充分知情")
    assert not system.check_citation(Ref("laws/pipl.md", "第十四条"), "")  # an empty quote proves nothing
    system.close()
    assert engine.closed
