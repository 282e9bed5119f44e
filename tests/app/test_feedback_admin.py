"""The SQLite feedback store and the admin password check."""

from __future__ import annotations

import sqlite3

import pytest

from regkb.admin import hash_password, verify_password
from regkb.errors import ConfigError
from regkb.feedback import FeedbackStore
from tests.app.fakes import FakeEngine


def test_feedback_keeps_question_answer_and_citations(tmp_path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "fb.sqlite")
    answer = FakeEngine().ask("可以找同事吗")
    first = store.record(answer, 1)
    second = store.record(FakeEngine().ask("天气"), -1, "没用")
    rows = store.recent()
    assert [r.id for r in rows] == [second, first]
    good = rows[1]
    assert (good.rating, good.question, good.answer, good.refused) == (1, "可以找同事吗", answer.text, False)
    assert good.citations == (
        {
            "label": "《示例催收规定》第三条",
            "doc_id": "rules/demo.md",
            "article": "第三条",
            "passage_id": answer.citations[0].passage.id,
            "quote": "催收人员不得向债务人以外的第三人透露债务信息。",
        },
    )
    assert rows[0].refused and rows[0].comment == "没用" and rows[0].rating == -1
    # the file is plain SQLite another tool can read
    with sqlite3.connect(tmp_path / "sub" / "fb.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM feedback").fetchone() == (2,)


def test_feedback_rejects_other_ratings(tmp_path) -> None:
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path / "fb.sqlite").record(FakeEngine().ask("q"), 5)


def test_unwritable_feedback_path_names_the_setting(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="REGKB_FEEDBACK_DB"):
        FeedbackStore(blocker / "fb.sqlite")


def test_plain_password_is_compared_by_digest() -> None:
    assert verify_password("s3cret", "s3cret")
    assert not verify_password("s3cre", "s3cret")
    assert not verify_password("", "s3cret")
    assert not verify_password("anything", None)
    assert not verify_password("", "")


def test_pbkdf2_hash_verifies_and_hides_the_password() -> None:
    hashed = hash_password("密码123", salt=b"0123456789abcdef", iterations=1000)
    assert hashed.startswith("pbkdf2_sha256$1000$") and "密码123" not in hashed
    assert verify_password("密码123", hashed)
    assert not verify_password("密码12", hashed)
    assert not verify_password(hashed, hashed)  # knowing the hash is not knowing the password


def test_malformed_hash_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="REGKB_ADMIN_PASSWORD"):
        verify_password("x", "pbkdf2_sha256$notanumber")
