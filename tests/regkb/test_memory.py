"""The question memory: past questions' vectors proposing their gold articles."""

from pathlib import Path

import numpy as np
import pytest

from regkb.errors import ConfigError
from regkb.memory import MEMORY_MIN, QuestionMemory, load_memory
from regkb.types import Provenance


def _memory() -> QuestionMemory:
    vectors = np.eye(3, dtype=np.float32)
    refs = (
        (Provenance("民法典", "第一条"),),
        (Provenance("刑法", "第二条"),),
        (Provenance("民法典", "第三条"),),
    )
    return QuestionMemory("e5-test", ("q1", "q2", "q3"), refs, vectors)


def test_close_questions_propose_their_articles_best_first() -> None:
    query = np.array([0.95, 0.3, 0.0], dtype=np.float32)
    query /= np.linalg.norm(query)
    found = _memory().match(query, top=5)
    assert [refs[0].article for refs, _ in found] == ["第一条"]  # q2 is below MEMORY_MIN
    assert found[0][1] >= MEMORY_MIN


def test_a_question_never_meets_itself() -> None:
    assert _memory().match(np.array([1.0, 0.0, 0.0]), top=5, exclude="q1") == []


def test_memory_round_trips_and_rejects_mismatched_files(tmp_path: Path) -> None:
    json_path, vectors_path = tmp_path / "m.json", tmp_path / "m.npy"
    _memory().save(json_path, vectors_path, note="test")
    loaded = load_memory(json_path, vectors_path)
    assert loaded is not None and loaded.ids == ("q1", "q2", "q3") and loaded.embedder == "e5-test"
    assert loaded.refs[1] == (Provenance("刑法", "第二条"),)
    np.save(vectors_path, np.eye(2, dtype=np.float16))
    with pytest.raises(ConfigError, match="make train"):
        load_memory(json_path, vectors_path)
    assert load_memory(tmp_path / "absent.json", vectors_path) is None


def test_only_questions_whose_every_article_the_index_holds_are_kept() -> None:
    memory = QuestionMemory(
        "e5-test",
        ("held", "half", "elsewhere"),
        (
            (Provenance("民法典", "第一条"),),
            (Provenance("民法典", "第三条"), Provenance("劳动合同法", "第十条")),
            (Provenance("劳动合同法", "第十条"),),
        ),
        np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.0, 0.8]], dtype=np.float32),
    )
    kept = memory.held(lambda p: p.title == "民法典")
    assert kept.ids == ("held",) and kept.refs == memory.refs[:1]
    assert np.array_equal(kept.vectors, memory.vectors[:1])
    # a question the index cannot answer no longer crowds the one it can
    query = np.array([0.85, 0.0, (1 - 0.85**2) ** 0.5], dtype=np.float32)  # cosine 0.85 and 0.93
    assert [refs[0].title for refs, _ in memory.match(query, top=1)] == ["劳动合同法"]
    assert [refs[0].title for refs, _ in kept.match(query, top=1)] == ["民法典"]
    assert memory.held(lambda p: True) is memory


def test_the_engine_keeps_only_what_its_index_holds(hash_engine) -> None:
    memory = QuestionMemory(
        "e5-test",
        ("pipl", "labour"),
        ((Provenance("个人信息保护法", "第十三条"),), (Provenance("中华人民共和国劳动合同法", "第十条"),)),
        np.eye(2, dtype=np.float32),
    )
    other = QuestionMemory(
        "e5-test", ("civil",), ((Provenance("民法典", "第一条"),),), np.eye(1, 2, dtype=np.float32)
    )
    try:
        hash_engine.use_memory(memory)
        assert hash_engine.memory.ids == ("pipl",)  # the index holds no labour law
        first = hash_engine.memory
        hash_engine.use_memory(other)  # training swaps among fold memories, question by question
        assert hash_engine.memory.ids == ("civil",)
        hash_engine.use_memory(memory)
        assert hash_engine.memory is first  # filtered once, not again
        hash_engine.use_memory(None)
        assert hash_engine.memory is None
    finally:
        hash_engine.use_memory(None)
