"""What the app's pages do, without Streamlit: a page is widgets -> one call here -> render.

- ``AppServices``: the settings and the stores one app process shares (feedback, audit log).
- ``KnowledgeAdmin``: the 知识库 page's admin actions (save uploads, delete an upload, re-ingest),
  each audited with its outcome; the ingest pipeline is reached through the ``regkb.pipeline``
  entry point, so the core never imports ingest.
- ``review_source`` / ``locate`` / ``new_quiz``: the 条款审查, 法规浏览 and 培训测验 pages' work.

Everything takes what it needs as arguments (settings, engine, audit log), so tests drive it with
fakes or a small real index and no Streamlit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from regkb import quiz
from regkb.audit import AuditLog
from regkb.auth import AdminGate
from regkb.errors import ConfigError, RegkbError
from regkb.feedback import FeedbackStore
from regkb.service import plugins
from regkb.settings import Settings
from regkb.types import DocumentInfo, Passage
from regkb.uploads import UploadOutcome, save_uploads

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], object]  # (stage, done, total); what it returns is ignored


class Library(Protocol):
    """The part of the Engine the pages below read."""

    def documents(self) -> list[DocumentInfo]: ...
    def passages_of(self, doc_id: str) -> list[Passage]: ...
    def lookup(self, reference: str) -> list[Passage]: ...


class IngestReport(Protocol):
    """What the app reads of ingest's report (ingest.report.IngestReport)."""

    @property
    def committed(self) -> bool: ...
    @property
    def generation(self) -> str | None: ...
    @property
    def files_failed(self) -> Sequence[Any]: ...
    @property
    def warnings(self) -> Sequence[str]: ...
    def format_text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """One admin action: its ingest report, or the error that stopped it (the index is then unchanged).

    An upload also carries what happened to each file; when none was saved nothing is ingested and
    both report and error are None.
    """

    action: str
    report: IngestReport | None = None
    error: RegkbError | None = None
    upload: UploadOutcome | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.report is not None and self.report.committed


@dataclass(frozen=True, slots=True)
class AppServices:
    """What every page of one app process shares; built once from the Settings."""

    settings: Settings
    feedback: FeedbackStore
    audit: AuditLog

    @classmethod
    def from_settings(cls, settings: Settings) -> AppServices:
        return cls(settings, FeedbackStore(settings.feedback_db), AuditLog(settings.audit_db))

    def gate(self) -> AdminGate:
        """The admin password check (audited, with back-off)."""
        return AdminGate(self.settings.admin_password, self.audit)

    def admin(self, session: str) -> KnowledgeAdmin:
        """The admin actions of one browser session."""
        return KnowledgeAdmin(self.settings, self.audit, session)


class KnowledgeAdmin:
    """The admin actions of one session: each ingest mirrors exactly the corpus roots + uploads."""

    def __init__(
        self,
        settings: Settings,
        audit: AuditLog,
        session: str,
        ingest: Callable[..., IngestReport] | None = None,
    ) -> None:
        self.settings = settings
        self.audit = audit
        self.session = session
        self._ingest = ingest  # None: ingest.pipeline.ingest_paths, found when first needed

    @property
    def uploads(self) -> Path:
        return self.settings.uploads

    def roots(self) -> list[Path]:
        """The configured corpus roots that exist, plus the uploads folder when it exists."""
        roots = [r for r in self.settings.corpus_roots if r.exists()]
        return roots + ([self.uploads] if self.uploads.is_dir() else [])

    def upload_types(self) -> list[str]:
        """The file types an upload may have (the loaders' suffixes without the dot)."""
        return sorted(suffix.lstrip(".") for suffix in plugins.supported_suffixes())

    def uploaded(self, docs: Iterable[DocumentInfo]) -> dict[str, str]:
        """Title by doc id of the documents from the uploads folder (only those may be deleted here)."""
        return {d.doc_id: d.title for d in docs if d.root == self.uploads.name}

    def save(self, files: Sequence[tuple[str, bytes]]) -> UploadOutcome:
        """Store the safe, new files of an upload; refused names and duplicates are audited."""
        suffixes = plugins.supported_suffixes()
        outcome = save_uploads(self.uploads, files, suffixes, self.settings.max_file_mb)
        if outcome.rejected or outcome.duplicates:
            self.audit.admin(
                self.session,
                "upload_refused",
                False,
                rejected=list(outcome.rejected),
                duplicates=list(outcome.duplicates),
            )
        return outcome

    def upload(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> IngestOutcome:
        """Save the files, then ingest when at least one was saved."""
        saved = self.save(files)
        if not saved.saved:
            return IngestOutcome("upload", upload=saved)
        return replace(self.ingest("upload", progress, files=list(saved.saved)), upload=saved)

    def delete(self, doc_id: str, progress: Progress | None = None) -> IngestOutcome:
        """Remove an uploaded document's file and ingest again without it."""
        path = self._upload_path(doc_id)
        if path is None:
            error = RegkbError(f"{doc_id}: not a file in the uploads folder {self.uploads}; nothing deleted")
            self.audit.admin(self.session, "delete", False, error=str(error), doc_id=doc_id)
            return IngestOutcome("delete", error=error)
        path.unlink(missing_ok=True)
        return self.ingest("delete", progress, doc_id=doc_id)

    def reingest(self, progress: Progress | None = None) -> IngestOutcome:
        return self.ingest("reingest", progress)

    def ingest(self, action: str, progress: Progress | None = None, **detail: Any) -> IngestOutcome:
        """Ingest the roots into a new index generation; audited with the outcome.

        Other users keep reading the old generation meanwhile; a second ingest running elsewhere
        is refused by the index lock and comes back as the outcome's error.
        """
        try:
            report = self._run(progress)
        except RegkbError as exc:
            log.warning("admin %s failed: %s", action, exc)
            self.audit.admin(self.session, action, False, error=str(exc), **detail)
            return IngestOutcome(action, error=exc)
        failed = [f.file for f in report.files_failed]
        log.info("admin %s: generation %s, %d file(s) failed", action, report.generation, len(failed))
        self.audit.admin(
            self.session, action, report.committed, generation=report.generation, failed=failed, **detail
        )
        return IngestOutcome(action, report)

    def _run(self, progress: Progress | None) -> IngestReport:
        cfg = self.settings
        ingest = self._ingest or plugins.ingest_function()
        return ingest(
            self.roots(),
            cfg.index_dir,
            dense=cfg.dense,
            max_tokens=cfg.max_tokens,
            threads=cfg.threads,
            progress=progress,
            max_file_mb=cfg.max_file_mb,
            statutes=cfg.statutes,
            chroma_url=cfg.chroma_url,
            chroma_token=cfg.chroma_token,
        )

    def _upload_path(self, doc_id: str) -> Path | None:
        """The file of an uploaded document, or None when doc_id would leave the uploads folder."""
        folder = self.uploads.resolve()
        path = (folder / doc_id).resolve()
        return path if doc_id and path.parent == folder else None


# ---------------------------------------------------------------- the other pages


def review_source(text: str, upload: tuple[str, bytes] | None = None) -> str:
    """The text to review: the uploaded file's (read by the ingest loaders) if given, else text."""
    return plugins.read_upload(*upload) if upload is not None else text


@dataclass(frozen=True, slots=True)
class Located:
    """Where a typed reference (民法典第680条) points, or why it points nowhere."""

    doc_id: str = ""
    article: str = ""
    message: str | None = None


def locate(engine: Library, reference: str) -> Located:
    """The first provision a reference names; a message saying so when there is none."""
    reference = reference.strip()
    if not reference:
        return Located()
    try:
        found = engine.lookup(reference)
    except RegkbError as exc:
        return Located(message=str(exc))
    if not found:
        return Located(message=f"知识库中没有找到「{reference}」")
    return Located(found[0].doc_id, found[0].article)


def corpus_passages(engine: Library) -> list[Passage]:
    """Every passage of every indexed document, document by document."""
    return [p for d in engine.documents() for p in engine.passages_of(d.doc_id)]


def quiz_questions(settings: Settings) -> list[quiz.QuizQuestion]:
    """Scenario questions from REGKB_QUIZ_QUESTIONS; [] when none is configured."""
    path = settings.quiz_questions
    if path is None:
        return []
    if not path.is_file():
        raise ConfigError(f"REGKB_QUIZ_QUESTIONS={path}: no such file; fix the path or unset it")
    return quiz.load_questions(path)


def new_quiz(engine: Library, settings: Settings, doc: str | None, n: int, seed: int) -> list[quiz.QuizItem]:
    """A quiz over the whole index (or one document), scenario items too when questions are configured."""
    questions = quiz_questions(settings) or None
    return quiz.make_quiz(corpus_passages(engine), n, seed, doc=doc, questions=questions)
