"""regkb.service.app_service: the app's admin ingest, uploads, clause source, lookup and quiz, without Streamlit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from regkb.audit import ADMIN, AuditLog
from regkb.errors import ConfigError, IndexMissingError, RegkbError
from regkb.numerals import article_label
from regkb.service import app_service
from regkb.service.app_service import KnowledgeAdmin, Located
from regkb.settings import Settings
from regkb.types import DocumentInfo, Passage

# An invented rule, written for these tests.
RULE = """---
title: 示例公司投诉处理细则
short_title: 示例投诉细则
level: 内部制度
issuer: 示例消费金融有限公司
---
# 示例公司投诉处理细则

第一条 客户投诉应当在十五个工作日内答复。

第二条 催收人员不得向债务人的同事透露欠款事实。
"""


@dataclass
class Failure:
    file: str
    reason: str = "broken"


@dataclass
class Report:
    generation: str | None = "gen-2"
    files_failed: tuple[Failure, ...] = ()

    @property
    def committed(self) -> bool:
        return self.generation is not None

    def format_text(self) -> str:
        return f"generation {self.generation}"


@dataclass
class RecordingIngest:
    """Stands in for ingest.pipeline.ingest_paths: records each call, returns a report or raises."""

    report: Report = field(default_factory=Report)
    error: RegkbError | None = None
    calls: list[tuple[list[Path], Path, dict]] = field(default_factory=list)

    def __call__(self, paths, index_dir, **kwargs) -> Report:
        self.calls.append((list(paths), index_dir, kwargs))
        if self.error is not None:
            raise self.error
        return self.report


def _settings(tmp_path: Path, **extra) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    values = {
        "index_dir": tmp_path / "index",
        "corpus_roots": [corpus, tmp_path / "missing-root"],
        "upload_dir": tmp_path / "uploads",
        "dense": ["hash"],
        "max_tokens": 300,
        "threads": 1,
        "max_file_mb": 1.0,
    }
    return Settings(**{**values, **extra})


def _admin(tmp_path: Path, ingest: RecordingIngest, **extra) -> tuple[KnowledgeAdmin, AuditLog]:
    audit = AuditLog(tmp_path / "audit.sqlite")
    return KnowledgeAdmin(_settings(tmp_path, **extra), audit, "s1", ingest=ingest), audit


def _admin_records(audit: AuditLog) -> list[tuple[str, bool, dict]]:
    return [(r.action, r.ok, r.detail) for r in audit.records(ADMIN)]


def test_settings_hold_the_app_fields_and_uploads_default_under_the_index(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REGKB_INDEX_DIR", str(tmp_path / "ix"))
    monkeypatch.setenv("REGKB_QUIZ_QUESTIONS", str(tmp_path / "q.jsonl"))
    monkeypatch.delenv("REGKB_UPLOAD_DIR", raising=False)
    settings = Settings()
    assert settings.uploads == tmp_path / "ix" / "uploads"
    assert settings.quiz_questions == tmp_path / "q.jsonl"
    assert Settings(upload_dir=tmp_path / "up").uploads == tmp_path / "up"


def test_roots_are_the_existing_corpus_roots_then_the_uploads_folder(tmp_path) -> None:
    admin, _ = _admin(tmp_path, RecordingIngest())
    assert admin.roots() == [tmp_path / "corpus"]  # no uploads yet, the missing root left out
    (tmp_path / "uploads").mkdir()
    assert admin.roots() == [tmp_path / "corpus", tmp_path / "uploads"]


def test_upload_saves_ingests_and_audits_with_the_settings(tmp_path) -> None:
    ingest = RecordingIngest()
    admin, audit = _admin(tmp_path, ingest)
    outcome = admin.upload([("rule.md", RULE.encode())])
    assert outcome.upload is not None and outcome.upload.saved == ("rule.md",)
    assert (tmp_path / "uploads" / "rule.md").read_text() == RULE
    assert outcome.ok and outcome.report is ingest.report
    [(paths, index_dir, kwargs)] = ingest.calls
    assert paths == [tmp_path / "corpus", tmp_path / "uploads"] and index_dir == tmp_path / "index"
    assert kwargs["dense"] == ["hash"] and kwargs["max_tokens"] == 300 and kwargs["threads"] == 1
    assert kwargs["max_file_mb"] == 1.0 and kwargs["statutes"] is None
    [(action, ok, detail)] = _admin_records(audit)
    assert (action, ok) == ("upload", True)
    assert detail["files"] == ["rule.md"] and detail["generation"] == "gen-2" and detail["failed"] == []


def test_refused_and_duplicate_uploads_are_audited_and_nothing_is_ingested(tmp_path) -> None:
    ingest = RecordingIngest()
    admin, audit = _admin(tmp_path, ingest)
    admin.upload([("rule.md", RULE.encode())])
    outcome = admin.upload(
        [("../escape.md", b"x"), ("notes.exe", b"x"), ("copy.md", RULE.encode()), ("big.md", b"x" * 2**21)]
    )
    assert outcome.report is None and outcome.error is None and not outcome.ok
    assert len(ingest.calls) == 1  # only the first upload ingested
    saved = outcome.upload
    assert saved is not None and saved.saved == () and saved.duplicates == (("copy.md", "rule.md"),)
    assert [name for name, _ in saved.rejected] == ["../escape.md", "notes.exe", "big.md"]
    assert not (tmp_path / "escape.md").exists()
    action, ok, detail = _admin_records(audit)[-1]
    assert (action, ok) == ("upload_refused", False)
    assert [r[0] for r in detail["rejected"]] == ["../escape.md", "notes.exe", "big.md"]
    assert detail["duplicates"] == [["copy.md", "rule.md"]]


def test_a_failed_ingest_is_an_outcome_with_its_error_and_audited(tmp_path) -> None:
    lock = RegkbError("index is locked by another ingest; wait for it to finish")
    admin, audit = _admin(tmp_path, RecordingIngest(error=lock))
    outcome = admin.reingest()
    assert outcome.error is lock and outcome.report is None and not outcome.ok
    assert _admin_records(audit) == [("reingest", False, {"error": str(lock)})]


def test_an_uncommitted_report_is_not_ok_and_audited_as_failed(tmp_path) -> None:
    ingest = RecordingIngest(Report(generation=None, files_failed=(Failure("corpus/bad.pdf"),)))
    admin, audit = _admin(tmp_path, ingest)
    outcome = admin.reingest()
    assert outcome.error is None and not outcome.ok
    [(action, ok, detail)] = _admin_records(audit)
    assert (action, ok, detail["failed"], detail["generation"]) == (
        "reingest",
        False,
        ["corpus/bad.pdf"],
        None,
    )


def test_delete_removes_the_upload_and_ingests_without_it(tmp_path) -> None:
    ingest = RecordingIngest()
    admin, audit = _admin(tmp_path, ingest)
    admin.upload([("rule.md", RULE.encode())])
    outcome = admin.delete("rule.md")
    assert outcome.ok and not (tmp_path / "uploads" / "rule.md").exists()
    assert _admin_records(audit)[-1][:2] == ("delete", True)
    assert _admin_records(audit)[-1][2]["doc_id"] == "rule.md"


@pytest.mark.parametrize("doc_id", ["../corpus/law.md", "", "sub/../../corpus/law.md"])
def test_delete_never_leaves_the_uploads_folder(tmp_path, doc_id) -> None:
    ingest = RecordingIngest()
    admin, audit = _admin(tmp_path, ingest)
    (tmp_path / "uploads").mkdir()
    law = tmp_path / "corpus" / "law.md"
    law.write_text(RULE, encoding="utf-8")
    outcome = admin.delete(doc_id)
    assert outcome.error is not None and "nothing deleted" in str(outcome.error)
    assert law.is_file() and ingest.calls == []
    assert _admin_records(audit)[0][:2] == ("delete", False)


def test_upload_types_are_the_loaders_suffixes(tmp_path) -> None:
    admin, _ = _admin(tmp_path, RecordingIngest())
    assert admin.upload_types() == ["docx", "htm", "html", "markdown", "md", "pdf", "txt"]


def test_services_share_one_audit_log_for_the_gate_and_the_admin(tmp_path) -> None:
    from regkb.service.app_service import AppServices

    services = AppServices.from_settings(
        _settings(tmp_path, admin_password="pw", audit_db=tmp_path / "a.sqlite")
    )
    assert services.gate().enabled and services.gate().attempt("s1", "pw").ok
    assert services.admin("s2").audit is services.audit and services.admin("s2").session == "s2"
    assert [r.session for r in services.audit.records()] == ["s1"]  # the login, in the shared log


def test_only_documents_from_the_uploads_root_count_as_uploaded(tmp_path) -> None:
    admin, _ = _admin(tmp_path, RecordingIngest())

    def doc(doc_id: str, root: str) -> DocumentInfo:
        return DocumentInfo(doc_id, root, "t", "t", "内部制度", "", "", None, "现行有效", root, 1, "")

    docs = [doc("laws/a.md", "corpus"), doc("rule.md", "uploads")]
    assert admin.uploaded(docs) == {"rule.md": "t"}


def test_the_real_pipeline_is_reached_through_the_entry_point(tmp_path) -> None:
    """No injected ingest: the regkb.pipeline entry point runs ingest.pipeline on a tiny corpus."""
    from regkb.index import IndexReader

    audit = AuditLog(tmp_path / "audit.sqlite")
    admin = KnowledgeAdmin(_settings(tmp_path), audit, "s1")
    outcome = admin.upload([("rule.md", RULE.encode())])
    assert outcome.ok, outcome
    assert outcome.report is not None and outcome.report.generation
    reader = IndexReader.open(tmp_path / "index")
    try:
        assert {p.article for p in reader.passages} == {"第一条", "第二条"}
    finally:
        reader.close()


# ---------------------------------------------------------------- the other pages


def test_review_source_reads_the_uploaded_file_over_the_pasted_text() -> None:
    assert app_service.review_source("第一条 粘贴的条款。") == "第一条 粘贴的条款。"
    text = app_service.review_source("粘贴的", ("policy.txt", "第一条 上传的条款。\r\n".encode()))
    assert text == "第一条 上传的条款。"


def _passage(doc_id: str, number: int, short_title: str = "示例投诉细则") -> Passage:
    label = article_label(number)
    text = f"{label}　客户投诉应当在{number}个工作日内答复。"
    return Passage(
        id=Passage.make_id(doc_id, label, 0, text),
        doc_id=doc_id,
        root="tests",
        title=f"示例公司{short_title}",
        short_title=short_title,
        level="内部制度",
        article=label,
        text=text,
        article_no=number,
        order=number,
    )


class Library:
    def __init__(self, passages: list[Passage], error: RegkbError | None = None) -> None:
        self.passages, self.error, self.looked_up = passages, error, []

    def documents(self) -> list[DocumentInfo]:
        ids = list(dict.fromkeys(p.doc_id for p in self.passages))
        return [DocumentInfo(i, "tests", i, i, "内部制度", "", "", None, "现行有效", "", 1, "") for i in ids]

    def passages_of(self, doc_id: str) -> list[Passage]:
        return [p for p in self.passages if p.doc_id == doc_id]

    def lookup(self, reference: str) -> list[Passage]:
        self.looked_up.append(reference)
        if self.error is not None:
            raise self.error
        return [p for p in self.passages if reference.endswith(p.article)]


def test_locate_names_the_first_match_or_says_why_not() -> None:
    library = Library([_passage("a.md", 3), _passage("b.md", 3)])
    assert app_service.locate(library, "  示例投诉细则第三条 ") == Located("a.md", "第三条")
    assert library.looked_up == ["示例投诉细则第三条"]  # stripped before the lookup
    assert (
        app_service.locate(library, "示例投诉细则第九条").message == "知识库中没有找到「示例投诉细则第九条」"
    )
    assert app_service.locate(library, "   ") == Located() and len(library.looked_up) == 2
    missing = Library([], IndexMissingError("/tmp/ix"))
    assert "regkb ingest" in (app_service.locate(missing, "第一条").message or "")


def test_corpus_passages_gathers_every_document_in_order() -> None:
    passages = [_passage("b.md", 1), _passage("a.md", 2), _passage("b.md", 2)]
    gathered = app_service.corpus_passages(Library(passages))
    assert [(p.doc_id, p.article) for p in gathered] == [
        ("b.md", "第一条"),
        ("b.md", "第二条"),
        ("a.md", "第二条"),
    ]


def test_quiz_questions_come_from_the_configured_file(tmp_path) -> None:
    assert app_service.quiz_questions(Settings(quiz_questions=None)) == []
    with pytest.raises(ConfigError, match="REGKB_QUIZ_QUESTIONS"):
        app_service.quiz_questions(Settings(quiz_questions=tmp_path / "nowhere.jsonl"))
    path = tmp_path / "q.jsonl"
    row = {"id": "q1", "question": "投诉多久答复？", "gold": [{"doc": "a.md", "article": "第二条"}]}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n\n", encoding="utf-8")
    [question] = app_service.quiz_questions(Settings(quiz_questions=path))
    assert question.id == "q1" and question.gold[0].article == "第二条"


def test_new_quiz_draws_from_the_whole_index_deterministically(tmp_path) -> None:
    library = Library([_passage(f"{d}.md", n, f"示例{d}细则") for d in "abc" for n in range(1, 6)])
    settings = Settings(quiz_questions=None)
    items = app_service.new_quiz(library, settings, None, 6, seed=3)
    assert items and items == app_service.new_quiz(library, settings, None, 6, seed=3)
    assert len({i.doc_id for i in items}) > 1  # not only the first document
    only_b = app_service.new_quiz(library, settings, "示例b细则", 3, seed=3)
    assert only_b and {i.doc_id for i in only_b} == {"b.md"}
