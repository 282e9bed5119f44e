"""A LangChain retriever over the Engine: the only regkb module importing langchain_core's retriever API.

    retriever = RegKBRetriever(engine=Engine.open(Settings()), k=4)
    docs = retriever.invoke("客户不接电话，我能打给他同事吗？")

Each Document's page_content is the provision's verbatim text; its metadata carries doc_id,
title, short_title, article, level, effective, plus the citation label, status, score and
the channels that found it. Retrieval is the Engine's (all channels, fused), nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from regkb.service.shapes import k_field, level_filters
from regkb.types import Hit

if TYPE_CHECKING:
    from regkb.engine import Engine


def to_document(hit: Hit) -> Document:
    p = hit.passage
    metadata: dict[str, Any] = {
        "doc_id": p.doc_id,
        "title": p.title,
        "short_title": p.short_title,
        "article": p.article,
        "level": p.level,
        "effective": p.effective,
        "citation": p.citation_label,
        "status": p.status,
        "score": round(hit.score, 6),
        "channels": list(hit.channels),
    }
    return Document(page_content=p.text, metadata=metadata, id=p.id)


class RegKBRetriever(BaseRetriever):
    """Provisions relevant to a query, best first, as LangChain Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any  # regkb.engine.Engine (Any: pydantic must not inspect it)
    k: int = 5
    level: str | None = None  # only this level: 法律, 司法解释, 内部制度 …

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        engine: Engine = self.engine
        hits = engine.retrieve(query, level_filters(self.level), k_field(self.k))
        return [to_document(h) for h in hits]
