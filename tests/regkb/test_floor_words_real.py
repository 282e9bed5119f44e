"""Floor words the documents do not use, on the real index: 转包 is what the sample policy calls
转委托 (委外催收机构管理办法 第十一条, 「受托机构应当亲自处理受托案件，不得将案件全部或者部分转委托……」).
Without the jargon entry the answer said 不可以 on 个人信息保护法 第二十一条's 「不得保留」. And a visit
with several people is what 催收作业管理办法 第三十五条 calls 聚集多人上门."""

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
    "question", ["委外催收公司能不能再转包给别的公司？", "受托的催收公司可以把案子转给别的公司做吗？"]
)
def test_subcontracting_is_answered_on_the_rule_against_it(engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.conclusion is not None and answer.conclusion.label == "不可以"
    assert "委外催收机构管理办法》第十一条" in answer.conclusion.text
    assert "不得将案件全部或者部分转委托" in answer.conclusion.text


@pytest.mark.integration
def test_a_visit_with_several_people_is_answered_on_the_rule_against_it(engine) -> None:
    answer = engine.ask("上门催收的时候可以带几个人去？")
    top = answer.retrieved[0].passage
    assert (top.short_title, top.article) == ("示例催收作业管理办法", "第三十五条")
    assert answer.conclusion is not None and "不得聚集多人上门" in answer.conclusion.text
