"""Engine.ask from 8 threads x 50 mixed questions returns exactly the sequential answers."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from regkb.types import Answer

# Mixed on purpose: article lookups, situations, out-of-scope, nonsense, long and short.
QUESTIONS = [
    "民法典第六百八十条怎么规定的？",
    "刑法293条之一是什么罪",
    "个保法第13条",
    "客户不接电话，我能打给他同事吗？",
    "晚上十点以后还能打催收电话吗？",
    "可以把欠款人的照片发到微信群里吗？",
    "催收员冒充律师发律师函合规吗？",
    "委外催收机构泄露客户信息，公司要担责吗？",
    "保证人的保证期间怎么算？",
    "借款利率最高能约定多少？",
    "个人所得税怎么申报？",
    "劳动合同法规定加班费怎么算？",
    "？？？",
    "😀",
    "'; DROP TABLE passages; --",
    "催收录音要保存多久？",
    "债务人去世了，还能向他的家人催收吗？",
    "我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？",
    "民法典第九千条",
    "可以到债务人家里上门催收吗？" * 30,
]
THREADS, PER_THREAD = 8, 50


def _fingerprint(answer: Answer) -> tuple:
    """Everything an answer says (timings aside)."""
    return (
        answer.question,
        answer.text,
        answer.refused,
        answer.verdict,
        answer.notes,
        tuple((c.passage.id, c.quote) for c in answer.citations),
        tuple((h.passage.id, round(h.score, 9), h.channels) for h in answer.retrieved),
    )


def test_eight_threads_get_exactly_the_sequential_answers(hash_engine) -> None:
    expected = {q: _fingerprint(hash_engine.ask(q)) for q in QUESTIONS}
    plans = []
    for seed in range(THREADS):
        rng = random.Random(seed)
        plans.append([rng.choice(QUESTIONS) for _ in range(PER_THREAD)])

    def run(plan: list[str]) -> list[tuple[str, tuple]]:
        return [(q, _fingerprint(hash_engine.ask(q))) for q in plan]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run, plans))  # re-raises any exception of a worker
    assert sum(len(r) for r in results) == THREADS * PER_THREAD
    mismatches = [q for r in results for q, got in r if got != expected[q]]
    assert not mismatches, f"{len(mismatches)} answers differ from sequential ones, e.g. {mismatches[0]!r}"
    assert len({q for plan in plans for q in plan}) >= 15  # the mix really is mixed
