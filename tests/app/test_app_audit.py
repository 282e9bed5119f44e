"""The app's audit trail: questions and admin actions recorded with session ids; failed logins
back off; unsafe and duplicate uploads refused; no password in the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from regkb.audit import ADMIN, AUTH, QUESTION, AuditLog
from regkb.auth import FREE_TRIES
from tests.app.conftest import open_app
from tests.app.realindex import UPLOADED_RULE, build_index

PASSWORD = "correct horse 马"


@pytest.fixture(scope="module")
def real_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_index(tmp_path_factory.mktemp("audited"))


@pytest.fixture
def audited(real_env: dict[str, str], app_env: Path, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    for key, value in real_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("REGKB_UPLOAD_DIR", str(app_env / "uploads"))
    monkeypatch.setenv("REGKB_AUDIT_DB", str(app_env / "audit.sqlite"))
    monkeypatch.setenv("REGKB_ADMIN_PASSWORD", PASSWORD)
    return AuditLog(app_env / "audit.sqlite")


def test_every_question_is_recorded_with_its_answer_and_citations(audited: AuditLog) -> None:
    at = open_app()
    at.chat_input[0].set_value("催收人员可以向债务人的同事透露欠款吗？").run()
    at.chat_input[0].set_value("个人所得税怎么申报？").run()
    assert not at.exception
    first, second = audited.records(QUESTION)
    assert first.session == second.session and len(first.session) == 32
    assert first.detail["question"] == "催收人员可以向债务人的同事透露欠款吗？"
    assert first.detail["answer"] and isinstance(first.detail["refused"], bool)
    # the citation set as shown: cited labels when answered, none when refused
    assert bool(first.detail["citations"]) != first.detail["refused"]
    assert all(c["label"].startswith("《示例催收规定》第") and c["quote"] for c in first.detail["citations"])
    assert second.detail["refused"] and second.detail["citations"] == []


def test_failed_logins_are_audited_and_back_off(audited: AuditLog) -> None:
    at = open_app("kb")
    for n in range(FREE_TRIES):
        at.sidebar.text_input(key="admin_pw").input(f"guess {n}").run()
        assert [e.value for e in at.sidebar.error] == ["密码不正确"]
    at.sidebar.text_input(key="admin_pw").input(PASSWORD).run()
    assert "秒后再试" in at.sidebar.error[0].value and not at.file_uploader
    at.run()  # a re-run re-checks nothing but the back-off
    logins = audited.records(AUTH)
    assert [r.ok for r in logins][: FREE_TRIES + 1] == [False] * (FREE_TRIES + 1)
    assert logins[FREE_TRIES].detail["blocked"] is True
    assert PASSWORD.encode() not in audited.path.read_bytes() + _wal(audited.path)


def _wal(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_admin_actions_are_audited_and_bad_uploads_refused(audited: AuditLog, app_env: Path) -> None:
    at = open_app("kb")
    at.sidebar.text_input(key="admin_pw").input(PASSWORD).run()
    at.run()  # the same typed password is not checked (or audited) again
    assert [r.ok for r in audited.records(AUTH)] == [True]
    body = UPLOADED_RULE.encode("utf-8")
    at.file_uploader(key="kb_uploads").set_value(
        [("complaints.md", body, "text/markdown"), ("copy.md", body, "text/markdown")]
    )
    at.run()
    [ingest] = [b for b in at.button if b.label == "入库"]
    ingest.click().run(timeout=120)
    assert not at.exception
    assert "示例公司投诉处理细则" in at.dataframe[0].value["标题"].tolist()
    assert sorted(p.name for p in (app_env / "uploads").iterdir()) == ["complaints.md"]
    at.button(key="kb_reingest").click().run(timeout=120)
    actions = [(r.action, r.ok) for r in audited.records(ADMIN)]
    assert actions == [("upload_refused", False), ("upload", True), ("reingest", True)]
    upload = audited.records(ADMIN)[1]
    assert upload.detail["files"] == ["complaints.md"] and upload.detail["generation"]
    assert PASSWORD.encode() not in audited.path.read_bytes() + _wal(audited.path)
