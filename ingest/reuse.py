"""Reusing an unchanged document's passages instead of parsing it again.

A document's passages depend on its content, its metadata, the token limit and the code that
parses and cuts it. ``passage_key`` hashes all four; documents.json keeps each document's key,
and a re-ingest that computes the same key takes the previous generation's passages as they
are. Parsing the whole statute book (367 laws, ~25k passages, the e5 tokenizer counting every
chunk) takes tens of seconds; with the keys an unchanged re-ingest parses nothing, and when
nothing at all changed (``same_generation``) it writes no new generation: a no-op.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regkb.types import SCHEMA_VERSION, Passage, SourceDocument

if TYPE_CHECKING:
    from ingest.writer import Previous

DocKey = tuple[str, str]  # (root, doc_id)
KEY_FIELD = "passage_key"  # the documents.json field holding the key
_CODE = ("regkb/structure.py", "ingest/passages.py", "regkb/types.py", "regkb/numerals.py")
_REPO = Path(__file__).resolve().parents[1]


@functools.cache
def code_fingerprint() -> str:
    """sha256 of the modules that turn a document's text into passages."""
    digest = hashlib.sha256()
    for rel in _CODE:
        digest.update((_REPO / rel).read_bytes())
    return digest.hexdigest()


def passage_key(doc: SourceDocument, max_tokens: int) -> str:
    """What a document's passages depend on: content, metadata, token limit, schema and parser code."""
    meta = json.dumps(dataclasses.asdict(doc.meta), ensure_ascii=False, sort_keys=True)
    parts = (doc.content_hash, meta, str(max_tokens), str(SCHEMA_VERSION), code_fingerprint())
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def group_passages(passages: Mapping[str, Passage]) -> dict[DocKey, list[Passage]]:
    """Passages by (root, doc_id), each document's in index order."""
    grouped: dict[DocKey, list[Passage]] = defaultdict(list)
    for p in passages.values():
        grouped[(p.root, p.doc_id)].append(p)
    return dict(grouped)


def reusable(
    doc: SourceDocument,
    key: str,
    documents: Mapping[DocKey, Mapping[str, object]],
    grouped: Mapping[DocKey, list[Passage]],
) -> list[Passage] | None:
    """The previous passages of doc when its key is unchanged, else None (parse it)."""
    before = documents.get((doc.root, doc.doc_id))
    if before is None or before.get(KEY_FIELD) != key:
        return None
    return list(grouped.get((doc.root, doc.doc_id), [])) or None


def same_generation(
    previous: Previous,
    passages: Sequence[Passage],
    documents: Sequence[Mapping[str, Any]],
    collections: Mapping[str, str],
) -> bool:
    """Would these passages, documents and channel collections make the previous generation again?"""
    if [p.id for p in passages] != list(previous.passages):
        return False
    if any(previous.passages[p.id] != p for p in passages):
        return False
    if [dict(d) for d in previous.documents.values()] != [dict(d) for d in documents]:
        return False
    return {spec: info.get("collection") for spec, info in previous.channels.items()} == dict(collections)
