"""RegKBRetriever on a real index (hash embedder): Documents, an LCEL chain with a fake chat model,
and the README example run as written."""

from __future__ import annotations

import re

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnablePassthrough

from regkb.integrations.langchain import RegKBRetriever
from tests.conftest import REPO

pytestmark = pytest.mark.integration

QUESTION = "催收时能不能联系债务人的同事？"
METADATA = {"doc_id", "title", "short_title", "article", "level", "effective"}


def test_documents_carry_the_passage_and_its_metadata(hash_engine) -> None:
    retriever = RegKBRetriever(engine=hash_engine, k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    hits = hash_engine.retrieve(QUESTION, k=4)
    assert [d.id for d in docs] == [h.passage.id for h in hits]
    for doc, hit in zip(docs, hits, strict=True):
        p = hit.passage
        assert doc.page_content == p.text
        assert set(doc.metadata) >= METADATA
        assert (doc.metadata["doc_id"], doc.metadata["article"]) == (p.doc_id, p.article)
        assert (doc.metadata["level"], doc.metadata["effective"]) == (p.level, p.effective)
        assert doc.metadata["citation"] == p.citation_label


def test_level_narrows_and_lookup_ranks_first(hash_engine) -> None:
    internal = RegKBRetriever(engine=hash_engine, k=3, level="内部制度").invoke(QUESTION)
    assert len(internal) == 3 and {d.metadata["level"] for d in internal} == {"内部制度"}
    [first, *_] = RegKBRetriever(engine=hash_engine).invoke("民法典第680条怎么规定？")
    assert first.metadata["citation"] == "《民法典》第六百八十条"


def _format(docs: list[Document]) -> str:
    return "\n\n".join(f"{d.metadata['citation']}\n{d.page_content}" for d in docs)


def test_runs_inside_an_lcel_chain_with_a_fake_chat_model(hash_engine) -> None:
    retriever = RegKBRetriever(engine=hash_engine, k=3)
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "只依据以下条文回答，并引用条文标签。"),
            ("human", "条文：\n{context}\n\n问题：{question}"),
        ]
    )
    chain = (
        {"context": retriever | _format, "question": RunnablePassthrough()}
        | prompt
        | ParrotFakeChatModel()  # answers with the prompt it was given: the chain's wiring is visible
        | StrOutputParser()
    )
    out = chain.invoke("民法典第680条怎么规定？")
    assert "问题：民法典第680条怎么规定？" in out
    [passage] = hash_engine.lookup("民法典第680条")
    assert f"《民法典》第六百八十条\n{passage.text}" in out
    batch = chain.batch(["民法典第680条怎么规定？", "个保法第13条"])
    assert "《个人信息保护法》第十三条" in batch[1] and batch[0] == out


def test_readme_example_runs(hash_index, monkeypatch, capsys) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "RegKBRetriever" in b]
    assert len(blocks) == 1, "README needs one python example using RegKBRetriever"
    monkeypatch.setenv("REGKB_INDEX_DIR", str(hash_index))
    monkeypatch.setenv("REGKB_DENSE", '["hash"]')
    exec(compile(blocks[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "《" in printed and "》第" in printed
