"""The naive LangChain RAG baseline (the adapter for langchain-chroma and the text splitter).

What a tutorial would build over the same files: RecursiveCharacterTextSplitter(500, 50)
over each Markdown/text file of the corpus roots, the main index's embedder wrapped as a
LangChain ``Embeddings``, a Chroma collection, and plain ``similarity_search(k=10)``.

For scoring, each chunk is mapped to the article it mostly lies in: the article headings
are the lines that start with 第X条 (or, in a document without them, with 一、 items); the
chunk gets the label whose span covers most of its characters ("" before the first
heading, 全文 in a document with no headings). PDF and DOCX files are not read (a naive
pipeline over text files); how many were skipped is logged.

The collection is persisted under ``~/.cache/regkb/naive-rag/<key>``, where the key hashes
the embedder name, the splitter settings and every file's bytes, so a rerun embeds nothing.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from evals.dataset import EvalQuestion
from evals.metrics import Ref, canonical_article
from evals.runner import SystemOutput
from regkb.numerals import NUMERAL_CLASS
from regkb.types import short_hash

log = logging.getLogger(__name__)

CHUNK_SIZE, CHUNK_OVERLAP = 500, 50
TEXT_SUFFIXES = (".md", ".markdown", ".txt")
DATA_FILES = frozenset({"manifest.json", "sources.toml", "redlines.yaml"})
_ARTICLE_HEAD = re.compile(
    rf"^[ \t\u3000]*(第(?:{NUMERAL_CLASS}+|\d+)条(?:之(?:{NUMERAL_CLASS}+|\d+))?)", re.M
)
_ITEM_HEAD = re.compile(rf"^[ \t\u3000]*({NUMERAL_CLASS}+)、", re.M)


class LangchainEmbeddings(Embeddings):
    """A regkb Embedder seen through LangChain's Embeddings interface."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


@dataclass(frozen=True, slots=True)
class SourceFile:
    doc: str  # path relative to its root
    title: str
    short_title: str
    text: str


def article_spans(text: str) -> list[tuple[int, str]]:
    """(start offset, label) of each article heading, in order; items when there are no articles."""
    heads = [(m.start(1), canonical_article(m.group(1))) for m in _ARTICLE_HEAD.finditer(text)]
    if not heads:
        heads = [(m.start(1), m.group(1)) for m in _ITEM_HEAD.finditer(text)]
    return heads


def label_for_span(spans: Sequence[tuple[int, str]], start: int, end: int) -> str:
    """The label whose article covers most of [start, end); "" before the first heading, 全文 if none."""
    if not spans:
        return "全文"
    starts = [s for s, _ in spans]
    best, best_len = "", -1
    first = max(bisect.bisect_right(starts, start) - 1, -1)
    for i in range(first, len(spans)):
        lo = start if i < 0 else max(start, spans[i][0])
        hi = min(end, spans[i + 1][0]) if i + 1 < len(spans) else end
        if lo >= end:
            break
        if hi - lo > best_len:
            best, best_len = ("" if i < 0 else spans[i][1]), hi - lo
    return best


def read_sources(roots: Sequence[Path]) -> list[SourceFile]:
    """Text files under the roots (skipping ".", "_" names and data files), titled by manifest.json."""
    files: list[SourceFile] = []
    skipped = 0
    for root in roots:
        manifest = root / "manifest.json"
        meta = {e["path"]: e for e in json.loads(manifest.read_text("utf-8"))} if manifest.is_file() else {}
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if (
                not path.is_file()
                or any(p.startswith((".", "_")) for p in rel.parts)
                or path.name in DATA_FILES
            ):
                continue
            if path.suffix.lower() not in TEXT_SUFFIXES or path.name.upper().startswith("README"):
                skipped += path.suffix.lower() in (".pdf", ".docx", ".html", ".htm")
                continue
            text = path.read_text(encoding="utf-8")
            entry = meta.get(rel.as_posix(), {})
            heading = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem)
            title = entry.get("title", heading)
            files.append(SourceFile(rel.as_posix(), title, entry.get("short_title", title), text))
    log.info("naive RAG: %d text files, %d PDF/DOCX/HTML files not read", len(files), skipped)
    return files


def chunk(files: Sequence[SourceFile]) -> list[Document]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    docs: list[Document] = []
    for f in files:
        spans = article_spans(f.text)
        for piece in splitter.create_documents([f.text]):
            start = int(piece.metadata["start_index"])
            label = label_for_span(spans, start, start + len(piece.page_content))
            meta = {"doc": f.doc, "title": f.title, "short_title": f.short_title, "article": label}
            docs.append(Document(page_content=piece.page_content, metadata=meta))
    return docs


class NaiveRagSystem:
    name = "naive-rag"
    retrieval_only = True

    def __init__(self, store: Chroma, k: int = 10) -> None:
        self._store = store
        self._k = k

    @classmethod
    def build(
        cls, roots: Sequence[Path], embedder_spec: str, cache_dir: Path, embedder: Any = None
    ) -> NaiveRagSystem:
        if embedder is None:
            from regkb.embedders import make_embedder

            embedder = make_embedder(embedder_spec)
        files = read_sources(roots)
        key = short_hash(embedder.name, str(CHUNK_SIZE), str(CHUNK_OVERLAP), *(f.doc + f.text for f in files))
        directory = cache_dir / key
        store = Chroma(
            collection_name="naive",
            embedding_function=LangchainEmbeddings(embedder),
            persist_directory=str(directory),
            client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True),
            collection_metadata={"hnsw:space": "cosine"},
        )
        if not (directory / "complete").exists():
            store.reset_collection()
            docs = chunk(files)
            log.info("naive RAG: embedding %d chunks into %s", len(docs), directory)
            for i in range(0, len(docs), 256):
                store.add_documents(docs[i : i + 256])
            (directory / "complete").write_text(str(len(docs)), encoding="utf-8")
        return cls(store)

    def __call__(self, question: EvalQuestion) -> SystemOutput:
        found = self._store.similarity_search(question.question, k=self._k)
        refs = tuple(
            Ref(d.metadata["doc"], d.metadata["article"], d.metadata["title"], d.metadata["short_title"])
            for d in found
        )
        return SystemOutput(retrieved=refs)

    def check_citation(self, ref: Ref, quote: str) -> bool:
        return False  # retrieval only: it never cites

    def close(self) -> None:
        return None
