"""Red-line rules for clause review: load, validate against the index, and match a draft clause.

The rules live in corpus/redlines.yaml (its header documents the format). A rule fires on a clause
when one of its pattern groups matches within one sentence and the match is not negated: a
prohibition word (`unless`, default 不得/禁止/严禁 …) in the `window` characters before it, counted
from the last turn such as 但/可以 in that sentence, or in the rest of its comma-delimited phrase
after it, cancels the match ("不得向其透露欠款" is a prohibition, not a violation); an `exempt`
pattern anywhere in the sentence (a permission condition such as "合计不超过……四倍", or a
sentence about sanctions rather than conduct) cancels the sentence for that rule; and the items of
a list introduced by a prohibition ("严禁实施下列行为：（一）使用暴力；（二）…") are not matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from regkb.errors import ConfigError
from regkb.types import Provenance
from regkb.vocab import ProvisionModel, compile_patterns, read_yaml, validation_message

SEVERITIES: tuple[str, ...] = ("刑事", "行政", "民事", "内部")
DEFAULT_WINDOW = 40

_SENTENCE_SPLIT = re.compile(r"[。；;！!？?\n]+")
_LIST_ITEM = re.compile(
    r"^\s*(（[一二三四五六七八九十]+）|\([0-9一二三四五六七八九十]+\)|[0-9]+[.、）)]|[一二三四五六七八九十]+、)"
)
_LEAD_COLON = re.compile(r"[:：]")
_WORD = re.compile(r"\w")
_CLOSERS = "”’」』）)"
# A turn after which an earlier prohibition no longer governs: "严禁殴打，但可在朋友圈曝光".
_TURN = re.compile(
    r"但是?|然而|不过|(?<![不许认])可以|(?<!不)允许|(?<!无)有权|应当|必须|(?<![不许认])可(?=[将把向对在以直联])"
)
_PHRASE_END = re.compile(r"[，,：:]")
_AFTER_CHARS = 12


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    description: str
    severity: Literal["刑事", "行政", "民事", "内部"]
    patterns: list[str | list[str]] = Field(min_length=1)
    unless: list[str] | None = None
    exempt: list[str] = []
    window: int | None = Field(default=None, ge=0)
    provisions: list[ProvisionModel] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str | list[str]]) -> list[str | list[str]]:
        for item in value:
            compile_patterns([item] if isinstance(item, str) else item, "pattern")
        return value

    @field_validator("unless", "exempt")
    @classmethod
    def _others(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else compile_patterns(value, "pattern")


class _DefaultsModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unless: list[str] = []
    exempt: list[str] = []
    window: int = Field(default=DEFAULT_WINDOW, ge=0)

    @field_validator("unless", "exempt")
    @classmethod
    def _unless(cls, value: list[str]) -> list[str]:
        return compile_patterns(value, "pattern")


@dataclass(frozen=True, slots=True)
class RedlineRule:
    id: str
    name: str
    description: str
    severity: str  # 刑事 / 行政 / 民事 / 内部
    groups: tuple[tuple[re.Pattern[str], ...], ...]  # any group; all patterns of a group
    unless: tuple[re.Pattern[str], ...]
    exempt: tuple[re.Pattern[str], ...]
    window: int
    provisions: tuple[Provenance, ...]

    def match(self, text: str) -> tuple[str, ...]:
        """The spans of text that make this rule fire, or () when it does not."""
        found: list[str] = []
        for sentence in self._prescriptive_sentences(text):
            if any(p.search(sentence) for p in self.exempt):
                continue
            for group in self.groups:
                spans = [self._live_match(pattern, sentence) for pattern in group]
                if all(span is not None for span in spans):
                    found.extend(span for span in spans if span is not None and span not in found)
                    break
        return tuple(found)

    def _prescriptive_sentences(self, text: str) -> list[str]:
        """The sentences of text, minus the items of lists that a prohibition introduces."""
        kept: list[str] = []
        governed = False  # inside a list whose lead-in prohibits ("严禁下列行为：")
        for sentence in _SENTENCE_SPLIT.split(text):
            if not _WORD.search(sentence):
                continue
            if governed and (_LIST_ITEM.match(sentence) or sentence.lstrip()[:1] in _CLOSERS):
                continue
            colon = max((m.start() for m in _LEAD_COLON.finditer(sentence)), default=-1)
            lead = sentence[:colon] if colon > 0 else ""
            governed = bool(lead) and any(p.search(lead) for p in (*self.unless, *self.exempt))
            kept.append(lead if governed else sentence)
        return kept

    def _live_match(self, pattern: re.Pattern[str], sentence: str) -> str | None:
        """The first match of pattern in sentence that no prohibition word governs."""
        for match in pattern.finditer(sentence):
            if match.group(0) and not self._negated(sentence, match.start(), match.end()):
                return match.group(0)
        return None

    def _negated(self, sentence: str, start: int, end: int) -> bool:
        before = sentence[max(0, start - self.window) : start]
        turns = list(_TURN.finditer(before))
        if turns:
            before = before[turns[-1].end() :]
        phrase_end = _PHRASE_END.search(sentence, end)
        after = sentence[end : min(phrase_end.start() if phrase_end else len(sentence), end + _AFTER_CHARS)]
        return any(p.search(before) or p.search(after) for p in self.unless)


def _compile(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _rule_from_model(model: _RuleModel, defaults: _DefaultsModel) -> RedlineRule:
    return RedlineRule(
        id=model.id,
        name=model.name,
        description=model.description,
        severity=model.severity,
        groups=tuple(_compile([item] if isinstance(item, str) else item) for item in model.patterns),
        unless=_compile(defaults.unless if model.unless is None else model.unless),
        exempt=_compile([*defaults.exempt, *model.exempt]),
        window=defaults.window if model.window is None else model.window,
        provisions=tuple(Provenance(p.title, p.article) for p in model.provisions),
    )


def load_rules(path: Path) -> list[RedlineRule]:
    """Read and check a red-line file; errors name the file, the rule and the field."""
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'rules' list (and optional 'defaults')")
    try:
        defaults = _DefaultsModel.model_validate(raw.get("defaults") or {})
    except ValidationError as exc:
        raise ConfigError(validation_message(path, exc).replace(": field", ": defaults field", 1)) from exc
    rules: list[RedlineRule] = []
    seen: set[str] = set()
    for index, item in enumerate(raw["rules"]):
        try:
            model = _RuleModel.model_validate(item)
        except ValidationError as exc:
            raise ConfigError(
                validation_message(path, exc, item, index).replace(": entry", ": rule", 1)
            ) from exc
        if model.id in seen:
            raise ConfigError(f"{path}: rule '{model.id}' is defined twice; rule ids must be unique")
        seen.add(model.id)
        rules.append(_rule_from_model(model, defaults))
    return rules


def validate_rules(rules: Sequence[RedlineRule], has_article: Callable[[str, str], bool | None]) -> list[str]:
    """Check every cited provision against the index.

    has_article(title_or_short_title, article) answers True (indexed), False (the document is
    indexed but lacks the article: a ConfigError naming the rule and provision) or None (the
    document is not in this index: a warning is returned and the rule kept).
    """
    warnings: list[str] = []
    for rule in rules:
        for provision in rule.provisions:
            found = has_article(provision.title, provision.article)
            if found is False:
                raise ConfigError(
                    f"red-line rule '{rule.id}' cites 《{provision.title}》{provision.article}, "
                    "which the index does not hold; fix the article label in the rules file or re-ingest"
                )
            if found is None:
                warnings.append(
                    f"red-line rule '{rule.id}': document 《{provision.title}》 is not in this index "
                    f"({provision.article} not checked)"
                )
    return warnings


def match_rules(rules: Sequence[RedlineRule], text: str) -> list[tuple[RedlineRule, tuple[str, ...]]]:
    """The rules a clause violates, each with the spans that triggered it."""
    hits: list[tuple[RedlineRule, tuple[str, ...]]] = []
    for rule in rules:
        matched = rule.match(text)
        if matched:
            hits.append((rule, matched))
    return hits
