"""files -> documents -> provisions -> passages -> a new index generation.

``ingest_paths`` is the library entry point (the CLI and the admin page call it). It holds the
index's writer lock, never touches the current generation, and switches to the new one only
when it is complete, so readers keep querying the old generation throughout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.checkpoints import checkpoint
from ingest.discover import Root, discover
from ingest.embcache import EmbeddingCache
from ingest.generation import IndexLock, clean_stale, collect_garbage, commit, new_generation
from ingest.loaders import MAX_FILE_MB, check_size
from ingest.report import FileFailure, IngestReport, Superseded
from ingest.reuse import KEY_FIELD, group_passages, passage_key, reusable, same_generation
from ingest.writer import (
    Diff,
    Previous,
    Progress,
    Server,
    diff_passages,
    lexical_fingerprint,
    open_chroma,
    read_previous,
    write_dense,
    write_files,
)
from regkb.embedders import Embedder
from regkb.errors import ConfigError, RegkbError
from regkb.index import CHROMA_DIR, EMBCACHE, REPORT_FILE, IndexReader, server_namespace
from regkb.store import ChromaDir, collection_name
from regkb.types import LEVEL_ORDER, SCHEMA_VERSION, DocMeta, DocumentInfo, Passage, Provision, SourceDocument

log = logging.getLogger(__name__)

STATUTES_ROOT = "statutes"  # the root ingest.sources gives statute-pack documents


@dataclass(frozen=True, slots=True)
class Stages:
    """The steps the pipeline composes; tests may swap one for a fake."""

    load_file: Callable[[Path], Any]  # -> LoadedText(text, page_starts, front_matter)
    read_manifest: Callable[[Path], Mapping[str, DocMeta]]
    resolve_meta: Callable[..., DocMeta]
    parse: Callable[[str], list[Provision]]
    make_passages: Callable[..., list[Passage]]
    token_counter: Callable[[], Callable[[str], int]]
    make_embedder: Callable[[str, int], Embedder]
    load_sources: Callable[..., list[SourceDocument]]  # (root, statutes=None | "all")
    load_book: Callable[[], list[SourceDocument]]  # every law of the statute database


def default_stages() -> Stages:
    from ingest.loaders import load_file
    from ingest.metadata import read_manifest, resolve_meta
    from ingest.passages import make_passages
    from ingest.sources import load_book, load_sources
    from regkb.embedders import e5_token_counter, make_embedder
    from regkb.structure import parse

    return Stages(
        load_file,
        read_manifest,
        resolve_meta,
        parse,
        make_passages,
        e5_token_counter,
        make_embedder,
        load_sources,
        load_book,
    )


@dataclass(slots=True)
class _Slot:
    """One document the ingest tried to read, in discovery order."""

    root: str
    doc_id: str
    rank: int
    doc: SourceDocument | None = None
    failure: str | None = None
    passages: list[Passage] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.root}/{self.doc_id}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RegkbError):
        return str(exc)
    log.warning("unexpected %s", type(exc).__name__, exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


def _load_one(root: Root, file: Path, manifest: Mapping[str, DocMeta], stages: Stages) -> SourceDocument:
    doc_id = root.doc_id(file)
    content_hash = hashlib.sha256(file.read_bytes()).hexdigest()
    loaded = stages.load_file(file)
    meta = stages.resolve_meta(doc_id, manifest, loaded.front_matter, loaded.text, file)
    return SourceDocument(
        doc_id=doc_id,
        root=root.name,
        text=loaded.text,
        meta=meta,
        content_hash=content_hash,
        page_starts=tuple(loaded.page_starts),
        path=str(file),
    )


def _collect(
    roots: Sequence[Root],
    stages: Stages,
    progress: Progress,
    max_file_mb: float = MAX_FILE_MB,
    statutes: str | None = None,
) -> list[_Slot]:
    """Load every file and its metadata; failures become slots with a reason."""
    slots: list[_Slot] = []
    total = sum(len(r.files) for r in roots)
    read = 0
    for root in roots:
        manifest: Mapping[str, DocMeta] = {}
        manifest_error = None
        try:
            manifest = stages.read_manifest(root.path)
        except Exception as exc:
            manifest_error = f"manifest: {_reason(exc)}"
        for file in root.files:
            slot = _Slot(root.name, root.doc_id(file), root.rank, failure=manifest_error)
            if manifest_error is None:
                try:
                    check_size(file, max_file_mb)
                    slot.doc = _load_one(root, file, manifest, stages)
                except Exception as exc:
                    slot.failure = _reason(exc)
            slots.append(slot)
            read += 1
            progress("files", read, total)
        if root.sources_toml is not None:
            load = functools.partial(stages.load_sources, root.path, statutes=statutes)
            slots.extend(_source_slots(str(root.sources_toml), root.rank, load))
    if statutes == "all" and not any(r.sources_toml for r in roots):
        slots.extend(_source_slots("--statutes all", -1, stages.load_book))
    return slots


def _source_slots(where: str, rank: int, load: Callable[[], list[SourceDocument]]) -> list[_Slot]:
    """Slots of a non-file source's documents, or one failed slot naming the source."""
    try:
        docs = load()
    except Exception as exc:
        return [_Slot(STATUTES_ROOT, "*", rank, failure=f"{where}: {_reason(exc)}")]
    return [_Slot(d.root, d.doc_id, rank, doc=d) for d in docs]


def _supersede(slots: Sequence[_Slot]) -> list[Superseded]:
    """Same title twice: keep the later version (effective, promulgated, PATH order); drop the rest."""
    by_title: dict[str, list[_Slot]] = {}
    for slot in slots:
        if slot.doc is not None:
            by_title.setdefault(slot.doc.meta.title, []).append(slot)
    out: list[Superseded] = []
    for title, group in by_title.items():
        if len(group) < 2:
            continue
        keep = max(group, key=_version_key)
        for slot in group:
            if slot is not keep:
                out.append(Superseded(slot.label, title, keep.label))
                slot.doc = None
    return out


def _version_key(slot: _Slot) -> tuple[str, str, int, int]:
    assert slot.doc is not None
    meta = slot.doc.meta
    order = 1 if slot.root != STATUTES_ROOT else 0  # a file beats the statute pack on a full tie
    return (meta.effective or "", meta.promulgated or "", slot.rank, order)


def _passages(slot: _Slot, stages: Stages, count_tokens: Callable[[str], int], max_tokens: int) -> str | None:
    """Parse the slot's document into passages; returns a warning, if any."""
    assert slot.doc is not None
    provisions = stages.parse(slot.doc.text)
    slot.passages = list(stages.make_passages(slot.doc, provisions, count_tokens, max_tokens))
    expected = slot.doc.meta.articles
    if expected is not None:
        found = sum(1 for p in provisions if p.label.startswith("第"))
        if found != expected:
            return f"{slot.label}: parsed {found} articles (第X条) but the metadata says {expected}"
    if not slot.passages:
        return f"{slot.label}: no passages"
    own = slot.doc.meta.level in LEVEL_ORDER[-2:]  # 内部制度 / 未分类: a company's file, its operator can fix
    if own and [p.label for p in provisions] == ["全文"] and len(slot.passages) > 1:
        return (
            f"{slot.label}: no clause numbering found (第X条, 1.1, 1、, （一） under 一、 chapters …); kept "
            f"whole as one 全文 provision in {len(slot.passages)} parts, so no answer can cite a clause of it "
            "(number its clauses, or convert the file so that its numbers are text)"
        )
    return None


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _carry_over(slots: Sequence[_Slot], previous: Previous) -> None:
    """A file that fails now keeps the passages its previous version had (nothing indexed is lost)."""
    for slot in slots:
        if slot.failure is None:
            continue
        if slot.doc_id == "*":  # a whole sources.toml failed: keep every document it gave before
            keys = [k for k in previous.documents if k[0] == slot.root]
        else:
            keys = [(slot.root, slot.doc_id)] if (slot.root, slot.doc_id) in previous.documents else []
        slot.passages = [p for key in keys for p in previous.passages_of(key)]


def _documents(
    slots: Sequence[_Slot], previous: Previous, diff_ids: set[str], now: str, max_tokens: int
) -> list[dict[str, Any]]:
    """documents.json entries: DocumentInfo fields plus content hash and source path."""
    entries: list[dict[str, Any]] = []
    for slot in slots:
        if slot.doc is None:  # failed (maybe carried over) or superseded
            keys = {(p.root, p.doc_id) for p in slot.passages}
            entries.extend(dict(previous.documents[k]) for k in sorted(keys) if k in previous.documents)
            continue
        doc, meta = slot.doc, slot.doc.meta
        before = previous.documents.get((doc.root, doc.doc_id))
        same = before is not None and before["content_hash"] == doc.content_hash
        same = same and not any(p.id in diff_ids for p in slot.passages)
        info = DocumentInfo(
            doc_id=doc.doc_id,
            root=doc.root,
            title=meta.title,
            short_title=meta.short_title,
            level=meta.level,
            issuer=meta.issuer,
            doc_number=meta.doc_number,
            effective=meta.effective,
            status=meta.status,
            source=meta.source,
            passages=len(slot.passages),
            sample=meta.sample,
            ingested_at=before["ingested_at"] if same and before else now,
        )
        entries.append(
            {
                **dataclasses.asdict(info),
                "content_hash": doc.content_hash,
                "path": doc.path,
                KEY_FIELD: passage_key(doc, max_tokens),
            }
        )
    return entries


def _unique(passages: Sequence[Passage], warnings: list[str]) -> list[Passage]:
    seen: set[str] = set()
    out = []
    for p in passages:
        if p.id in seen:
            warnings.append(f"{p.root}/{p.doc_id} {p.article}: duplicate passage (same id) skipped")
            continue
        seen.add(p.id)
        out.append(p)
    return out


def _read(
    roots: Sequence[Root],
    stages: Stages,
    max_tokens: int,
    progress: Progress,
    max_file_mb: float,
    previous: Previous,
    statutes: str | None = None,
) -> tuple[list[_Slot], list[Superseded], list[str]]:
    """Load, pick the latest version of each title, and cut passages (reusing an unchanged
    document's previous passages); failures stay in their slots."""
    from ingest.metadata import INFERRED_NOTE, MANIFEST_NAME

    slots = _collect(roots, stages, progress, max_file_mb, statutes)
    superseded = _supersede(slots)
    warnings: list[str] = []
    grouped = group_passages(previous.passages)
    count_tokens = functools.cache(stages.token_counter)  # the tokenizer loads only if something is parsed
    for slot in slots:
        if slot.doc is None:
            continue
        kept = reusable(slot.doc, passage_key(slot.doc, max_tokens), previous.documents, grouped)
        if kept is not None:
            slot.passages = kept
            continue
        try:
            warning = _passages(slot, stages, count_tokens(), max_tokens)
        except Exception as exc:
            slot.doc, slot.failure, slot.passages = None, _reason(exc), []
        else:
            warnings.extend([warning] if warning else [])
            if slot.doc.meta.version_note == INFERRED_NOTE:
                warnings.append(
                    f"{slot.doc.root}/{slot.doc.doc_id}: no manifest entry or front matter level; level "
                    f"{slot.doc.meta.level} inferred from its title (list it in {MANIFEST_NAME} to set "
                    "level, issuer and dates)"
                )
    return slots, superseded, warnings


@dataclass(frozen=True, slots=True)
class _Built:
    gen_id: str
    tmp: Path | None  # None: the current generation, unchanged
    passages: list[Passage]
    documents: list[dict[str, Any]]
    diff: Diff
    embedded: dict[str, int]


def _build(
    index_dir: Path,
    slots: Sequence[_Slot],
    previous: Previous,
    embedders: Mapping[str, Embedder],
    max_tokens: int,
    progress: Progress,
    warnings: list[str],
    server: Server | None = None,
) -> _Built:
    """Write a complete (not yet current) generation from the slots and the previous generation."""
    passages = _unique([p for s in slots for p in s.passages], warnings)
    diff = diff_passages(previous.passages, passages)
    gen_id, tmp = new_generation(index_dir)
    checkpoint("generation-created")
    if server is not None:
        server = dataclasses.replace(server, namespace=server_namespace(gen_id))
    cache = EmbeddingCache(index_dir / EMBCACHE)
    try:
        with open_chroma(tmp / CHROMA_DIR, previous, index_dir, server) as chroma:
            checkpoint("dense-copied")
            channels, embedded = write_dense(
                chroma, embedders, max_tokens, passages, diff, previous, cache, progress
            )
    finally:
        cache.close()
    checkpoint("dense-written")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    documents = _documents(slots, previous, {p.id for p in diff.upsert}, now, max_tokens)
    info = {
        "schema_version": SCHEMA_VERSION,
        "generation": gen_id,
        "created_at": now,
        "max_tokens": max_tokens,
        "channels": channels,
        **({"store": server.info()} if server is not None else {}),
    }
    write_files(tmp, passages, documents, info, previous, index_dir)
    return _Built(gen_id, tmp, passages, documents, diff, embedded)


def ingest_paths(
    paths: Sequence[Path],
    index_dir: Path,
    *,
    dense: Sequence[str],
    max_tokens: int,
    threads: int = 2,
    rebuild: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    stages: Stages | None = None,
    max_file_mb: float = MAX_FILE_MB,
    statutes: str | None = None,
    chroma_url: str | None = None,
    chroma_token: str | None = None,
) -> IngestReport:
    """Ingest corpus roots / files into a new generation of the index at index_dir.

    The new generation mirrors exactly the given paths: documents of the previous generation
    not among them are removed. A failing file is reported and, unless rebuilding, keeps its
    previous passages; with strict, any failure leaves the index untouched. statutes="all" adds
    every law of the statute database (to each root's sources.toml, or on its own without one).
    With chroma_url the dense collections go to that chroma server (one namespace per
    generation), and the collections of removed or abandoned generations are dropped from it.
    """
    start = time.perf_counter()
    if not dense:
        raise ConfigError("no dense channel: set REGKB_DENSE or pass --dense (e.g. --dense e5,use)")
    stages = stages or default_stages()
    roots = discover(paths)
    embedders = {spec: stages.make_embedder(spec, threads) for spec in dense}
    index_dir = Path(index_dir)
    server = Server(chroma_url, "", chroma_token) if chroma_url else None
    release = _releaser(server)
    with IndexLock(index_dir):
        checkpoint("locked")
        clean_stale(index_dir, release)
        current = IndexReader.current_generation(index_dir)
        previous = Previous() if rebuild else read_previous(index_dir, current)
        slots, superseded, warnings = _read(
            roots, stages, max_tokens, progress or _no_progress, max_file_mb, previous, statutes
        )
        checkpoint("read")
        if strict and any(s.failure for s in slots):
            built = None
        else:
            _carry_over(slots, previous)
            built = _unchanged(slots, previous, embedders, max_tokens, server) or _build(
                index_dir, slots, previous, embedders, max_tokens, progress or _no_progress, warnings, server
            )
        report = IngestReport(
            index_dir=str(index_dir),
            generation=built.gen_id if built else None,
            roots=tuple(r.name for r in roots),
            channels=tuple(dense),
            files_ok=tuple(s.label for s in slots if s.doc is not None),
            files_failed=tuple(FileFailure(s.label, s.failure, bool(s.passages)) for s in slots if s.failure),
            superseded=tuple(superseded),
            warnings=tuple(warnings),
            documents=len(built.documents) if built else 0,
            passages=len(built.passages) if built else 0,
            added=built.diff.added if built else 0,
            updated=built.diff.updated if built else 0,
            removed=built.diff.removed if built else 0,
            unchanged=built.diff.unchanged if built else 0,
            embedded=built.embedded if built else {},
            seconds=time.perf_counter() - start,
            rebuild=rebuild,
        )
        if built is not None and built.tmp is not None:  # tmp None: nothing changed, current stays
            _commit(index_dir, built, report, current, release)
            _warm_situations(index_dir, embedders)
    return report


def _warm_situations(index_dir: Path, embedders: Mapping[str, Embedder]) -> None:
    """Embed the conduct situations now (cached beside the index) so no first query waits for it."""
    from regkb.retrieval import SITUATION_EMBEDDER
    from regkb.situations import SituationIndex

    if SITUATION_EMBEDDER in embedders:
        SituationIndex.build(embedders[SITUATION_EMBEDDER], index_dir)


def _releaser(server: Server | None) -> Callable[[str], None] | None:
    """Drops a generation's namespace from the chroma server (None for the embedded store).

    Only this ingest's server is reached: collections a killed ingest left on another server
    stay there.
    """
    if server is None:
        return None

    def release(gen_id: str) -> None:
        chroma = ChromaDir(Path(), url=server.url, namespace=server_namespace(gen_id), token=server.token)
        dropped = chroma.drop_all()
        if dropped:
            log.info("dropped %d collection(s) of generation %s from the chroma server", len(dropped), gen_id)

    return release


def _unchanged(
    slots: Sequence[_Slot],
    previous: Previous,
    embedders: Mapping[str, Embedder],
    max_tokens: int,
    server: Server | None,
) -> _Built | None:
    """The current generation as it stands, when this ingest would write the same one again."""
    if previous.generation is None or server is not None or previous.store or any(s.failure for s in slots):
        return None
    passages = _unique([p for s in slots for p in s.passages], [])
    documents = _documents(slots, previous, set(), "", max_tokens)
    collections = {spec: collection_name(e.name, max_tokens) for spec, e in embedders.items()}
    if not same_generation(previous, passages, documents, collections):
        return None
    if previous.lexical != lexical_fingerprint(passages):
        return None  # same passages, but their lexical texts or the tokenizer changed: rebuild BM25
    log.info("nothing changed: generation %s stays current", previous.generation)
    diff = diff_passages(previous.passages, passages)
    return _Built(previous.generation, None, passages, documents, diff, dict.fromkeys(embedders, 0))


def _commit(
    index_dir: Path,
    built: _Built,
    report: IngestReport,
    previous_gen: str | None,
    release: Callable[[str], None] | None,
) -> None:
    assert built.tmp is not None  # only a new generation is committed
    (built.tmp / REPORT_FILE).write_text(report.to_json(), encoding="utf-8")
    checkpoint("report-written")
    commit(index_dir, built.gen_id, built.tmp)
    keep = {built.gen_id} | ({previous_gen} if previous_gen else set())
    removed = collect_garbage(index_dir, keep, release)
    checkpoint("collected")
    log.info("generation %s is current; removed old generations: %s", built.gen_id, removed or "none")
