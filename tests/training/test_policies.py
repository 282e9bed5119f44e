"""The training policies: questions that name only articles their policy holds, and a diagnosis
that asks them with the policy ingested beside the corpus (here with the hash embedder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SHARED
from training.policies import beside_corpus, figures, training_policies

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def indexes(hash_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    index = tmp_path_factory.mktemp("policies") / "index"
    shutil.copytree(hash_index, index)
    return {policy.name: beside_corpus(index, SHARED, policy) for policy in training_policies()}


def test_every_policy_has_questions_about_its_own_document() -> None:
    policies = training_policies()
    assert len(policies) >= 2
    for policy in policies:
        names = {path.name for path in policy.documents}
        assert len(policy.questions) >= 20
        assert all(g.doc in names for q in policy.questions for g in q.gold), policy.name


def test_every_gold_article_is_an_article_the_ingested_policy_holds(indexes: dict[str, Path]) -> None:
    from regkb.engine import Engine
    from regkb.settings import Settings

    for policy in training_policies():
        engine = Engine.open(Settings(index_dir=indexes[policy.name], dense=["hash"]))
        held = {
            (p.doc_id.rsplit("/", 1)[-1], p.article)
            for d in engine.documents()
            if d.doc_id.endswith(tuple(path.name for path in policy.documents))
            for p in engine.passages_of(d.doc_id)
        }
        wanted = {(g.doc, g.article) for q in policy.questions for g in q.gold}
        assert wanted <= held, sorted(wanted - held)


def test_lookups_by_abbreviated_names_find_their_article(indexes: dict[str, Path]) -> None:
    """金禾催收规定第二十九条, 合规操作手册4.2: names no manifest lists, found by the abbreviation rule."""
    for policy in training_policies():
        lookups = [q for q in policy.questions if q.type == "article_lookup"]
        assert lookups, policy.name
        got = figures(indexes[policy.name], lookups)
        assert got["R@5"] == 1.0 and got["MRR@10"] == 1.0, (policy.name, got)
        assert got["refused"] == 0.0
