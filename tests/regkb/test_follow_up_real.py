"""Follow-ups that swap one element of the previous question, on the real index.

「那打给他老婆呢？」 after 「客户不接电话，我能打给他同事吗？」 carried only 他同事 and was refused; the same
question asked whole is answered 不可以. A short elliptic follow-up is now read with the previous
question, and a time it names replaces the previous question's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def engine(real_index: Path):  # -> Engine
    from regkb.engine import Engine
    from regkb.settings import Settings

    return Engine(Settings(index_dir=real_index))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("history", "follow_up"),
    [
        (["客户不接电话，我能打给他同事吗？"], "那打给他老婆呢？"),
        (["客户不接电话，我能打给他同事吗？"], "那他父母呢？"),
        (["客户不接电话，我能打给他同事吗？", "那打给他老婆呢？"], "那他父母呢？"),  # read through the chain
        (["可以上门催收吗？"], "那去他单位呢？"),
    ],
)
def test_an_elliptic_follow_up_is_answered_as_the_question_it_continues(
    engine, history: list[str], follow_up: str
) -> None:
    alone = engine.ask(follow_up)
    answer = engine.ask(follow_up, history=history)
    assert alone.refused  # it asks nothing by itself
    assert not answer.refused and answer.conclusion is not None
    assert answer.conclusion.label == "不可以"
    assert f"沿用上文：{history[0]}" in answer.notes[0]


@pytest.mark.integration
@pytest.mark.parametrize(("follow_up", "label"), [("那下午三点呢？", "可以"), ("那早上七点呢？", "不可以")])
def test_a_follow_up_naming_another_time_asks_about_that_time(engine, follow_up: str, label: str) -> None:
    first = engine.ask("晚上十点还能给客户打电话吗？")
    answer = engine.ask(follow_up, history=["晚上十点还能给客户打电话吗？"])
    assert first.conclusion is not None and first.conclusion.label == "不可以"
    assert answer.conclusion is not None and answer.conclusion.label == label
    assert "《示例催收作业管理办法》第十条" in [c.label for c in answer.citations]


@pytest.mark.integration
def test_a_complete_question_after_another_is_not_read_with_it(engine) -> None:
    """A long follow-up (past ELLIPTIC_LENGTH) keeps the old reading: only subject words are carried."""
    from regkb.query import ELLIPTIC_LENGTH

    question = "那如果客户本人明确同意我们联系他的单位同事呢？"
    assert len(question) > ELLIPTIC_LENGTH
    plan = engine.plan(question, ["客户不接电话，我能打给他同事吗？"])
    assert "客户不接电话" not in plan.question
