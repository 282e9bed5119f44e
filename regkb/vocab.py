"""The vocabulary that turns a colloquial question into legal terms and document names.

Three curated files under regkb/data/ feed it:

- aliases.yaml: what users call each document (个保法 -> 个人信息保护法), and laws the knowledge
  base does not hold (劳动合同法), so the engine can say so instead of guessing;
- jargon.yaml: collection-industry slang (爆通讯录, 呼死你) -> legal words for query expansion;
- conduct.yaml: conduct described in a question (打给他同事, 去他家门口蹲着) -> the provisions it
  engages, as (title, article) pairs.

YAML is validated with pydantic where it enters; everything after is a frozen dataclass. Each file
is read once per path (functools.cache); pass another path to load a test fixture.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from regkb.errors import ConfigError
from regkb.names import STATE_PREFIX, normalize_name
from regkb.types import Provenance

DATA_DIR = Path(__file__).resolve().parent / "data"
ALIASES_PATH = DATA_DIR / "aliases.yaml"
JARGON_PATH = DATA_DIR / "jargon.yaml"
CONDUCT_PATH = DATA_DIR / "conduct.yaml"

_M = TypeVar("_M", bound=BaseModel)

# The C (libyaml) safe loader when the wheel has it: the data files parse in a tenth of the time.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """Parse a YAML data file, naming the file in any error."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc}); check the path") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc


def validation_message(
    path: Path, exc: ValidationError, entry: object = None, index: int | None = None
) -> str:
    """A pydantic error as 'file: entry <id> field <loc>: msg', naming the entry by its id when it has one."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(entry)"
    where = ""
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    if entry_id:
        where = f"entry '{entry_id}' "
    elif index is not None:
        where = f"entry #{index + 1} "
    return f"{path}: {where}field '{field}': {first['msg']}"


def validate_entries(path: Path, raw: object, model: type[_M]) -> list[_M]:
    """Validate a YAML list entry by entry; the error names the file, the entry id and the field."""
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: expected a list of entries at the top level")
    models: list[_M] = []
    for index, item in enumerate(raw):
        try:
            models.append(model.model_validate(item))
        except ValidationError as exc:
            raise ConfigError(validation_message(path, exc, item, index)) from exc
    seen: set[str] = set()
    for m in models:
        entry_id = str(getattr(m, "id", ""))
        if entry_id in seen:
            raise ConfigError(f"{path}: id '{entry_id}' is used twice; ids must be unique")
        seen.add(entry_id)
    return models


def compile_patterns(patterns: list[str], what: str) -> list[str]:
    """Check every regex compiles; the error names the pattern (pydantic adds the field)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{what} {pattern!r} is not a valid regex: {exc}") from exc
    return patterns


# ---------------------------------------------------------------- aliases


class _DocumentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    short_title: str
    aliases: list[str] = []


class _NotIndexedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    aliases: list[str] = []
    replaced_by: str | None = None


class _AliasFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[_DocumentModel]
    known_not_indexed: list[_NotIndexedModel] = []


@dataclass(frozen=True, slots=True)
class AliasTable:
    """Document names users type -> canonical short titles, plus the laws not in the index."""

    titles: Mapping[str, str]  # short_title -> full title
    surface: Mapping[str, str]  # normalised surface form -> short_title
    not_indexed: frozenset[str]  # every surface form of a known but unindexed law
    successors: Mapping[str, str]  # normalised name of a repealed law -> short title replacing it
    _forms: tuple[str, ...]  # surface forms of indexed documents, longest first
    laws: Mapping[str, str] = field(default_factory=dict)  # normalised form of an unlisted law -> full name

    def resolve(self, name: str) -> str | None:
        """An alias, full or short title -> the short title; None when not an indexed document."""
        return self.surface.get(normalize_name(name))

    def names(self, include_not_indexed: bool = False) -> tuple[str, ...]:
        """All surface forms, longest first (so a regex alternation prefers 人民银行法 to 银行法)."""
        if not include_not_indexed:
            return self._forms
        return tuple(sorted({*self._forms, *self.not_indexed}, key=lambda n: (-len(n), n)))

    def is_not_indexed(self, name: str) -> bool:
        key = normalize_name(name)
        return key not in self.surface and any(normalize_name(n) == key for n in self.not_indexed)

    def law_named(self, name: str) -> str | None:
        """For a surface form of a known_not_indexed law (个税法), the law's full name, so an index
        that does hold it (the whole statute book) can resolve the form to its document."""
        return self.laws.get(normalize_name(name))

    def successor(self, name: str) -> str | None:
        """For a repealed law (合同法), the indexed document that replaced it (民法典)."""
        return self.successors.get(normalize_name(name))


def _build_alias_table(path: Path, model: _AliasFileModel) -> AliasTable:
    titles: dict[str, str] = {}
    surface: dict[str, str] = {}
    forms: set[str] = set()
    for doc in model.documents:
        titles[doc.short_title] = doc.title
        for form in (doc.title, doc.short_title, *doc.aliases):
            key = normalize_name(form)
            if surface.get(key, doc.short_title) != doc.short_title:
                raise ConfigError(
                    f"{path}: name '{form}' is given to both '{surface[key]}' and '{doc.short_title}'; "
                    "keep it on one document"
                )
            surface[key] = doc.short_title
            forms.update({form, form.removeprefix(STATE_PREFIX)})
    not_indexed: set[str] = set()
    successors: dict[str, str] = {}
    laws: dict[str, str] = {}
    for law in model.known_not_indexed:
        for form in (law.name, *law.aliases):
            if normalize_name(form) in surface:
                raise ConfigError(
                    f"{path}: '{form}' is listed as not indexed but names '{surface[normalize_name(form)]}'"
                )
            not_indexed.update({form, form.removeprefix(STATE_PREFIX)})
            laws[normalize_name(form)] = law.name
            if law.replaced_by is not None:
                if law.replaced_by not in titles:
                    raise ConfigError(
                        f"{path}: '{law.name}' field 'replaced_by': '{law.replaced_by}' is not a short_title"
                    )
                successors[normalize_name(form)] = law.replaced_by
    return AliasTable(
        titles=MappingProxyType(titles),
        surface=MappingProxyType(surface),
        not_indexed=frozenset(not_indexed),
        successors=MappingProxyType(successors),
        _forms=tuple(sorted(forms, key=lambda n: (-len(n), n))),
        laws=MappingProxyType(laws),
    )


@functools.cache
def _not_indexed_pattern() -> re.Pattern[str] | None:
    table = load_aliases()
    forms = sorted(
        (n for n in table.names(include_not_indexed=True) if table.is_not_indexed(n)), key=len, reverse=True
    )
    return re.compile("|".join(re.escape(f) for f in forms)) if forms else None


def not_indexed_names(text: str) -> list[str]:
    """The names of known_not_indexed laws the text mentions (劳动合同法, 合同法 …), each once, in order."""
    pattern = _not_indexed_pattern()
    return list(dict.fromkeys(pattern.findall(text))) if pattern else []


def load_aliases(path: Path = ALIASES_PATH) -> AliasTable:
    """Read aliases.yaml (once per path) into an AliasTable."""
    return _load_aliases(path.resolve())


@functools.cache
def _load_aliases(path: Path) -> AliasTable:
    raw = read_yaml(path)
    try:
        model = _AliasFileModel.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(validation_message(path, exc)) from exc
    return _build_alias_table(path, model)


# ---------------------------------------------------------------- jargon


class _JargonModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    slang: list[str]
    patterns: list[str] = []
    terms: list[str]

    @field_validator("patterns")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return compile_patterns(value, "pattern")


@dataclass(frozen=True, slots=True)
class JargonEntry:
    id: str
    slang: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    terms: tuple[str, ...]

    def find(self, text: str) -> str | None:
        """The first slang form (or regex match) found in text, lower-cased for Latin letters."""
        lowered = text.lower()
        for form in self.slang:
            if form.lower() in lowered:
                return form
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match.group(0)
        return None


def load_jargon(path: Path = JARGON_PATH) -> tuple[JargonEntry, ...]:
    """Read jargon.yaml (once per path)."""
    return _load_jargon(path.resolve())


@functools.cache
def _load_jargon(path: Path) -> tuple[JargonEntry, ...]:
    models = validate_entries(path, read_yaml(path), _JargonModel)
    return tuple(
        JargonEntry(
            id=m.id,
            slang=tuple(sorted(m.slang, key=len, reverse=True)),
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in m.patterns),
            terms=tuple(m.terms),
        )
        for m in models
    )


def expand_jargon(text: str, path: Path = JARGON_PATH) -> list[tuple[str, tuple[str, ...]]]:
    """Slang found in text, each with the legal terms to add to the query."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for entry in load_jargon(path):
        matched = entry.find(text)
        if matched is not None:
            found.append((matched, entry.terms))
    return found


# ---------------------------------------------------------------- conduct


class ProvisionModel(BaseModel):
    """A (title, article) reference in a data file (conduct patterns, red-line rules)."""

    model_config = ConfigDict(extra="forbid")
    title: str
    article: str


class _ConductModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    patterns: list[str | list[str]]
    exclude: list[str] = []
    provisions: list[ProvisionModel]
    terms: list[str] = []
    examples: list[str] = []  # how staff would ask about it; the situation channel embeds these

    @field_validator("patterns")
    @classmethod
    def _regexes(cls, value: list[str | list[str]]) -> list[str | list[str]]:
        for item in value:
            compile_patterns([item] if isinstance(item, str) else item, "pattern")
        return value

    @field_validator("exclude")
    @classmethod
    def _excludes(cls, value: list[str]) -> list[str]:
        return compile_patterns(value, "exclude pattern")


@dataclass(frozen=True, slots=True)
class ConductHit:
    id: str
    name: str
    matched: tuple[str, ...]
    provisions: tuple[Provenance, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConductPattern:
    """One curated conduct: it fires when any of its pattern groups matches in full.

    A group is one regex, or several that must all match somewhere in the text (a list in YAML).
    """

    id: str
    name: str
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    exclude: tuple[re.Pattern[str], ...]
    provisions: tuple[Provenance, ...]
    terms: tuple[str, ...]
    examples: tuple[str, ...] = ()

    def match(self, text: str) -> tuple[str, ...]:
        if any(pattern.search(text) for pattern in self.exclude):
            return ()
        for group in self.groups:
            found = [pattern.search(text) for pattern in group]
            if all(found):
                return tuple(m.group(0) for m in found if m is not None)
        return ()


def _conduct_from_model(m: _ConductModel) -> ConductPattern:
    groups = tuple(
        tuple(re.compile(p, re.IGNORECASE) for p in ([item] if isinstance(item, str) else item))
        for item in m.patterns
    )
    return ConductPattern(
        id=m.id,
        name=m.name,
        groups=groups,
        exclude=tuple(re.compile(p, re.IGNORECASE) for p in m.exclude),
        provisions=tuple(Provenance(p.title, p.article) for p in m.provisions),
        terms=tuple(m.terms),
        examples=tuple(m.examples),
    )


def load_conduct(path: Path = CONDUCT_PATH) -> tuple[ConductPattern, ...]:
    """Read conduct.yaml (once per path)."""
    return _load_conduct(path.resolve())


@functools.cache
def _load_conduct(path: Path) -> tuple[ConductPattern, ...]:
    models = validate_entries(path, read_yaml(path), _ConductModel)
    return tuple(_conduct_from_model(m) for m in models)


def spot_conduct(text: str, path: Path = CONDUCT_PATH) -> list[ConductHit]:
    """The curated conducts described in text, each with the provisions it engages."""
    hits: list[ConductHit] = []
    for conduct in load_conduct(path):
        matched = conduct.match(text)
        if matched:
            hits.append(ConductHit(conduct.id, conduct.name, matched, conduct.provisions, conduct.terms))
    return hits
