"""Eval question files: JSONL in the format of ../shared/evals/dev.jsonl.

Each line is one question. The file is untrusted input, so it is validated with pydantic and
any error names the file, the line and the field, and says how to fix it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evals.splits import split_of
from regkb.errors import ConfigError

Verdict = Literal["lawful", "unlawful", "depends"]  # depends: the review should say 需复核
AnswerLabel = Literal["不可以", "可以", "有条件可以", "视情况而定"]


class DatasetError(ConfigError):
    """A question file is invalid: names the file, line and field."""

    def __init__(self, path: str, line: int, field: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: field '{field}': {reason}")
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason


class RefSpec(BaseModel):
    """A reference a question expects: the document (path relative to its corpus root) and article."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    doc: str = Field(min_length=1)
    article: str = Field(min_length=1)
    title: str = ""
    short_title: str = ""


class EvalQuestion(BaseModel):
    """One evaluation question with its gold references and expected behaviour."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    type: str = Field(min_length=1)
    answerable: bool
    gold: tuple[RefSpec, ...] = ()
    acceptable: tuple[RefSpec, ...] = ()
    key_points: tuple[str, ...] = ()
    verdict: Verdict | None = None
    expected_answer: AnswerLabel | None = None  # the conclusion label of a permission question
    note: str = ""

    @field_validator("question", "id", "type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


def _field_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or "(line)"
    return loc, first["msg"]


def parse_line(text: str, path: str, line: int) -> EvalQuestion:
    """Validate one JSONL line; raise DatasetError naming file, line and field."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(path, line, "(json)", f"not valid JSON ({exc.msg}); one object per line") from exc
    if not isinstance(raw, dict):
        raise DatasetError(path, line, "(json)", "expected a JSON object with id, question, type, answerable")
    try:
        return EvalQuestion.model_validate(raw)
    except ValidationError as exc:
        field, msg = _field_of(exc)
        raise DatasetError(path, line, field, f"{msg}; see ../shared/evals/dev.jsonl for the format") from exc


def load_questions(path: str | Path, limit: int | None = None) -> list[EvalQuestion]:
    """Read and validate a question file. Ids must be unique; blank lines are skipped."""
    source = Path(path)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(str(source), 0, "(file)", f"cannot read ({exc.strerror})") from exc
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        question = parse_line(text, str(source), number)
        if question.id in seen:
            raise DatasetError(
                str(source), number, "id", f"duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        seen[question.id] = number
        questions.append(question)
        if limit is not None and len(questions) >= limit:
            break
    if not questions:
        raise DatasetError(str(source), 0, "(file)", "no questions found")
    return questions


def load_split(path: str | Path, split: str = "all", limit: int | None = None) -> list[EvalQuestion]:
    """The questions of one fixed split (evals.splits: 'train', 'val' or 'all')."""
    questions = load_questions(path, limit=limit)
    if split != "all":
        questions = [q for q in questions if split_of(q.id) == split]
        if not questions:
            raise ConfigError(f"{path}: no questions in the {split} split; pick --split all, train or val")
    return questions
