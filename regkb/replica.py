"""Rebuild a generation's derived files on an app replica that shares a chroma server.

A replica is given only the small files of a generation (CURRENT, generation.json,
documents.json, report.json). On a chroma server every record of a channel's collection
carries its passage as JSON (the record's document) and its position in passages.jsonl
(metadata ``seq``), so the replica rebuilds, into the generation's own directory:

- ``passages.jsonl``, from the records of the first channel's collection, in ``seq`` order;
- ``bm25/``, the lexical index, from those passages (the same ids and texts the writer indexed).

Each file is written under a temporary name and renamed into place, so two processes of one
replica rebuilding at once both end with complete files.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from regkb.errors import IndexMismatchError
from regkb.index import BM25_DIR, PASSAGES_FILE, passage_from_dict, passage_to_dict
from regkb.lexical import LexicalIndex
from regkb.names import lexical_text
from regkb.store import ChromaDir
from regkb.types import Passage

log = logging.getLogger(__name__)

SEQ = "seq"  # metadata key: the passage's position in passages.jsonl
BM25_IDS = "ids.json"  # the file LexicalIndex.save writes last: present in every complete bm25/


def needs_restore(path: Path) -> bool:
    """True when the generation directory lacks passages.jsonl or a complete bm25/."""
    return not (path / PASSAGES_FILE).exists() or not (path / BM25_DIR / BM25_IDS).exists()


def restore(path: Path, info: dict[str, Any], chroma: ChromaDir | None) -> None:
    """Rebuild passages.jsonl (from the store) and bm25/ (from the passages) where absent."""
    passages_file = path / PASSAGES_FILE
    if not passages_file.exists():
        if chroma is None or not chroma.remote:
            raise IndexMismatchError(
                f"{passages_file} is missing and there is no chroma server to rebuild it from; "
                "set REGKB_CHROMA_URL, or run `regkb ingest --rebuild`"
            )
        passages = stored_passages(chroma, info, path)
        text = "".join(json.dumps(passage_to_dict(p), ensure_ascii=False) + "\n" for p in passages)
        _replace_file(passages_file, text)
        log.info("%s: rebuilt %d passages from the chroma server", path, len(passages))
    if not (path / BM25_DIR / BM25_IDS).exists():  # absent, or an empty directory a sync created
        lines = passages_file.read_text(encoding="utf-8").splitlines()
        passages = [passage_from_dict(json.loads(line)) for line in lines if line]
        lexical = LexicalIndex.build([p.id for p in passages], [lexical_text(p) for p in passages])
        _replace_dir(path / BM25_DIR, lexical)
        log.info("%s: rebuilt the lexical index (%d passages)", path, len(passages))


def stored_passages(chroma: ChromaDir, info: dict[str, Any], path: Path) -> list[Passage]:
    """The generation's passages, in order, from the records of its first channel's collection."""
    channels = info.get("channels") or {}
    if not channels:
        raise IndexMismatchError(f"{path}/generation.json names no dense channel to rebuild passages from")
    collection = next(iter(channels.values()))["collection"]
    try:
        store = chroma.open(collection)
    except KeyError:
        raise IndexMismatchError(
            f"{path}: collection {collection} is not on the chroma server {chroma.url}; "
            "run `regkb ingest` against that server"
        ) from None
    ordered: list[tuple[int, Passage]] = []
    for record in store.records():
        if not record.document or SEQ not in record.metadata:
            raise IndexMismatchError(
                f"{path}: record {record.id} of {collection} carries no passage; "
                "run `regkb ingest --rebuild` against the chroma server"
            )
        ordered.append((int(record.metadata[SEQ]), passage_from_dict(json.loads(record.document))))
    ordered.sort(key=lambda item: item[0])
    if [seq for seq, _ in ordered] != list(range(len(ordered))):
        raise IndexMismatchError(f"{path}: the records of {collection} do not number 0..n-1; rerun ingest")
    return [p for _, p in ordered]


def _replace_file(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def _replace_dir(target: Path, lexical: LexicalIndex) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    lexical.save(tmp)
    if target.exists() and not (target / BM25_IDS).exists():
        shutil.rmtree(target, ignore_errors=True)  # an empty or partial directory: replace it
    try:
        os.rename(tmp, target)
    except OSError:  # another process of this replica got there first: keep its copy
        shutil.rmtree(tmp, ignore_errors=True)
