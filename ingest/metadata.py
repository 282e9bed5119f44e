"""Document metadata: manifest.json at a corpus root, Markdown front matter, or derived from the text.

Untrusted metadata is validated with pydantic here and turned into ``regkb.types.DocMeta``;
a problem raises ``regkb.errors.MetadataError`` naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from regkb.errors import MetadataError
from regkb.names import STATE_PREFIX
from regkb.script import simplified_shadow
from regkb.types import LEVEL_ORDER, DocMeta

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
STATUSES: tuple[str, ...] = ("现行有效", "已修改", "已废止", "尚未生效", "部分失效")
UNCLASSIFIED = "未分类"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MD_HEADING = re.compile(r"#{1,6}[ \t]+(.+?)[ \t#]*$")
_NOT_A_TITLE = re.compile(r"第[零〇一二三四五六七八九十百千万两\d]+条|[（(\[【\d]")
_TITLE_MAX = 80
_SENTENCE_END = "。；！？.;!?"


class _Meta(BaseModel):
    """Metadata fields shared by manifest entries and front matter."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str
    short_title: str = ""
    level: str = UNCLASSIFIED
    issuer: str = ""
    doc_number: str = ""
    promulgated: str | None = None
    effective: str | None = None
    expires: str | None = None
    status: str = "现行有效"
    source: str = ""
    version_note: str = ""
    articles: int | None = None
    sample: bool = False

    @field_validator("promulgated", "effective", "expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):  # YAML parses unquoted 2021-01-01 into a date
            return value.isoformat()
        if isinstance(value, str) and value.strip():
            text = value.strip()
            problem = f"{text!r} is not a valid ISO date (YYYY-MM-DD)"
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(problem)
            try:
                dt.date.fromisoformat(text)
            except ValueError as exc:
                raise ValueError(f"{problem}: {exc}") from exc
            return text
        return None if value in ("", None) else value

    @field_validator("title")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value not in LEVEL_ORDER:
            raise ValueError(f"{value!r} is not one of {', '.join(LEVEL_ORDER)}")
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"{value!r} is not one of {', '.join(STATUSES)}")
        return value

    @field_validator("articles")
    @classmethod
    def _non_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator("expires")
    @classmethod
    def _expires_after_effective(cls, value: str | None, info: ValidationInfo) -> str | None:
        effective = info.data.get("effective")
        if value and effective and value <= effective:
            raise ValueError(f"{value} is not after effective {effective}")
        return value

    def to_doc_meta(self) -> DocMeta:
        fields = self.model_dump(exclude={"path"})
        fields["short_title"] = self.short_title or derive_short_title(self.title)
        return DocMeta(**fields)


class _ManifestEntry(_Meta):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    path: str

    @field_validator("path")
    @classmethod
    def _relative_posix(cls, value: str) -> str:
        posix = PurePosixPath(value)
        if not value or "\\" in value or posix.is_absolute() or ".." in posix.parts:
            raise ValueError(f"{value!r} must be a relative path with '/' separators inside the corpus root")
        return posix.as_posix()


class _FrontMatter(_Meta):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    title: str = ""  # derived from the text when absent


# What a title says about its document's level, for a file with no manifest entry and no level in
# its front matter (a policy dropped into a folder, an upload by path). Only titles that say it
# plainly; anything else stays 未分类.
_LAW_TITLE = re.compile(rf"^(?:{STATE_PREFIX})\S{{1,30}}(?<!办)法(?:典)?$")  # not ……办法
_INTERPRETATION_TITLE = re.compile(
    r"^最高人民(?:法院|检察院)\S*(?:解释|规定|批复|决定)(?:（[^（）]{1,10}）)?$"
)
_REGULATION_TITLE = re.compile(rf"^(?:{STATE_PREFIX})?\S{{2,40}}条例$")
_SELF_REGULATION_TITLE = re.compile(r"协会\S*(?:公约|规范|指引|准则|自律|办法)")
_POLICY_SUFFIX = re.compile(
    r"(?:办法|规定|制度|细则|规范|规程|手册|指引|守则|规则|流程|须知|标准|实施方案)(?:（[^（）]{1,10}）)?$"
)
# A registered company at the head of the title (金禾消费金融股份有限公司……; a bare 公司 is a kind of
# company a regulator's rule is about: 消费金融公司管理办法), or the text speaking as one (本行 is
# left out: it is also 本行政区域 and 本行业).
_COMPANY_HEAD = re.compile(r"^(\S{2,30}?(?:股份有限公司|有限责任公司|有限公司))\S{3,}$")
_SPEAKS_AS_COMPANY = re.compile(r"本公司|本集团")
_LOCAL = re.compile(r"省|市|自治区|自治州|县|特区")  # a local regulation (深圳经济特区……条例) is no 行政法规
INFERRED_NOTE = "未登记元数据：层级由标题推断"


def infer_level(title: str, text: str) -> tuple[str, str]:
    """(level, issuer) read off the title (and, for a company's policy, the text's 本公司), or
    (未分类, "") when the title does not say it plainly. A title in traditional characters is read in
    simplified ones (regkb.script), its issuer cut from the title as written."""
    written = title
    title, text = simplified_shadow(title), simplified_shadow(text[:3000])
    if _LAW_TITLE.match(title):
        return "法律", ""
    if _INTERPRETATION_TITLE.match(title):
        return "司法解释", ""
    if _SELF_REGULATION_TITLE.search(title):
        return "行业自律", ""
    if _POLICY_SUFFIX.search(title):
        head = _COMPANY_HEAD.match(title)
        if head is not None:
            return "内部制度", written[head.start(1) : head.end(1)]
        if _SPEAKS_AS_COMPANY.search(text):
            return "内部制度", ""
    if _REGULATION_TITLE.match(title) and not _COMPANY_HEAD.match(title) and not _LOCAL.search(title):
        return "行政法规", ""
    return UNCLASSIFIED, ""


def derive_short_title(title: str) -> str:
    """The title without a leading 中华人民共和国 (the title itself when nothing is left)."""
    short = title.removeprefix(STATE_PREFIX).strip()
    return short or title


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(field, message) of the first pydantic error, plus a count of the others."""
    errors = exc.errors()
    first = errors[0]
    location = ".".join(str(part) for part in first["loc"]) or "(entry)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "is required but missing"
    elif first["type"] == "extra_forbidden":
        message = f"unknown field (a typo?); known fields: {', '.join(_ManifestEntry.model_fields)}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s) in this entry)"
    return location, message


def _load_json(manifest: Path) -> Any:
    try:
        return json.loads(manifest.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MetadataError(str(manifest), "(file)", f"cannot read it: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise MetadataError(str(manifest), "(file)", f"not UTF-8 text: {exc}; save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise MetadataError(
            str(manifest), "(json)", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def _entry_meta(manifest: Path, index: int, raw: Any) -> tuple[str, DocMeta]:
    label = f"entry #{index + 1}"
    if isinstance(raw, dict) and isinstance(raw.get("path"), str):
        label = f"entry #{index + 1} ({raw['path']})"
    if not isinstance(raw, dict):
        raise MetadataError(
            str(manifest), "(entry)", f"{label} must be a JSON object, got {type(raw).__name__}"
        )
    try:
        entry = _ManifestEntry.model_validate(raw)
    except ValidationError as exc:
        field, message = _first_error(exc)
        raise MetadataError(str(manifest), field, f"{label}: {message}") from exc
    return entry.path, entry.to_doc_meta()


def read_manifest(root: Path) -> dict[str, DocMeta]:
    """DocMeta per relative posix path from root/manifest.json; {} when there is no manifest."""
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        return {}
    data = _load_json(manifest)
    if not isinstance(data, list):
        raise MetadataError(
            str(manifest), "(root)", f"must be a JSON list of entries, got {type(data).__name__}"
        )
    metas: dict[str, DocMeta] = {}
    for index, raw in enumerate(data):
        path, meta = _entry_meta(manifest, index, raw)
        if path in metas:
            raise MetadataError(str(manifest), "path", f"entry #{index + 1}: {path!r} is listed twice")
        metas[path] = meta
    log.debug("%s: %d entries", manifest, len(metas))
    return metas


def derive_title(text: str, fallback: str) -> str:
    """The first Markdown heading, else a title-like first line, else fallback (the file stem)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:20]:
        heading = _MD_HEADING.match(line)
        if heading:
            return heading.group(1).strip()
    if lines:
        first = lines[0]
        looks_like_title = len(first) <= _TITLE_MAX and first[-1] not in _SENTENCE_END
        if looks_like_title and not _NOT_A_TITLE.match(first):
            return first
    return fallback


def _front_matter_meta(front_matter: Mapping[str, Any], text: str, source_path: Path) -> DocMeta:
    try:
        meta = _FrontMatter.model_validate(dict(front_matter))
    except ValidationError as exc:
        field, message = _first_error(exc)
        raise MetadataError(str(source_path), field, f"front matter: {message}") from exc
    if not meta.title:
        meta = meta.model_copy(update={"title": derive_title(text, source_path.stem)})
    if "level" not in front_matter:
        level, issuer = infer_level(meta.title, text)
        if level != UNCLASSIFIED:
            meta = meta.model_copy(
                update={
                    "level": level,
                    "issuer": meta.issuer or issuer,
                    "version_note": meta.version_note or INFERRED_NOTE,
                }
            )
    return meta.to_doc_meta()


def resolve_meta(
    rel_path: str,
    manifest: Mapping[str, DocMeta],
    front_matter: Mapping[str, Any],
    text: str,
    source_path: Path,
) -> DocMeta:
    """The manifest entry for rel_path, else validated front matter, else metadata derived from the text."""
    entry = manifest.get(rel_path)
    if entry is not None:
        return entry
    known = set(_Meta.model_fields)
    if known.intersection(front_matter):
        return _front_matter_meta(front_matter, text, source_path)
    title = derive_title(text, source_path.stem)
    level, issuer = infer_level(title, text)
    note = INFERRED_NOTE if level != UNCLASSIFIED else ""
    return DocMeta(
        title=title, short_title=derive_short_title(title), level=level, issuer=issuer, version_note=note
    )
