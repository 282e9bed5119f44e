"""The learned ranker: per-candidate features from every channel, scored by a fitted model.

Each retrieval channel (exact lookup, curated conduct patterns and situations, BM25, the
dense models, the question memory, cross-references in both directions) proposes passages.
Instead of fixed fusion weights and level priors, every proposed passage becomes one row of
features (its rank and score in each channel, its document's level, whether the question
names its document or speaks of the company's own rules, its length) and a LambdaMART model
(gradient-boosted trees) fitted on the training splits (``make train``, training/ranker.py),
Platt-scaled, turns the row into the probability that the passage answers the question.
Curated channels are evidence the data weighs, never an override.

The fitted model is a JSON file (regkb/data/ranker.json) holding the feature names, the
booster's trees as LightGBM text, the Platt coefficients and the metadata of the data that
produced it.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from regkb.errors import ConfigError
from regkb.types import LEVEL_ORDER, Passage

log = logging.getLogger(__name__)

RRF_K = 10  # reciprocal-rank features: RRF_K / (RRF_K + rank), rank counted from 1
CHANNELS = ("lookup", "conduct", "bm25", "e5", "use", "situation", "memory", "votes", "xref", "cited_by")
SCORED = ("bm25", "e5", "use", "situation", "memory", "votes")  # channels whose scores carry meaning
# Channels that rescore every candidate instead of proposing: the e5 model with the domain
# adapter (regkb/retrieval.py). Its cosine, gap to the best passage and rank (passages closer).
RESCORING = ("e5a",)
INTERNAL = "内部制度"
# The question speaks of the company's own rules.
_OWN_RULES = re.compile(r"公司|制度|我们|咱们|本司|规定|流程|内部|办法|规范|规程|细则")
MODEL_PATH = Path(str(resources.files("regkb").joinpath("data/ranker.json")))


def feature_names() -> tuple[str, ...]:
    names = [f"rr_{c}" for c in CHANNELS]
    names += [f"in_{c}" for c in CHANNELS]
    names += [f"score_{c}" for c in SCORED] + [f"gap_{c}" for c in SCORED]
    names += ["named_doc", "named_other", "own_rules", "internal", "internal_x_own", "internal_x_named"]
    names += [f"level_{level}" for level in LEVEL_ORDER]
    names += ["log_len", "n_channels", "first_part"]
    names += [f"{what}_{c}" for c in RESCORING for what in ("cos", "gap", "rank")]
    return tuple(names)


FEATURES = feature_names()
_INDEX = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What the features need to know about the question."""

    named_docs: frozenset[str] = frozenset()  # doc ids the question names
    own_rules: bool = False


def query_context(question: str, named_docs: Sequence[str]) -> QueryContext:
    return QueryContext(frozenset(named_docs), bool(_OWN_RULES.search(question)))


@dataclass(slots=True)
class Candidates:
    """The union of every channel's proposals, one feature row each."""

    ids: list[str] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), dtype=np.float32))
    channels: list[tuple[str, ...]] = field(default_factory=list)


def build_candidates(
    lists: Mapping[str, Sequence[tuple[str, float]]],
    passages: Mapping[str, Passage],
    context: QueryContext,
    rescored: Mapping[str, Mapping[str, tuple[float, float, float]]] | None = None,
    unproposed: Sequence[str] = (),
) -> Candidates:
    """One row per passage any channel proposed (lists: channel -> ranked (id, score)); rescored:
    channel -> passage id -> (cosine, gap, rank) for the rescoring channels (RESCORING); unproposed:
    passages that are candidates though no channel proposed them (their channel features are 0)."""
    ranks: dict[str, dict[str, tuple[int, float]]] = {}
    tops: dict[str, float] = {}
    for channel, items in lists.items():
        if channel not in CHANNELS or not items:
            continue
        tops[channel] = float(items[0][1])
        for rank, (pid, score) in enumerate(items, 1):
            if pid in passages:
                ranks.setdefault(pid, {}).setdefault(channel, (rank, float(score)))
    for pid in unproposed:
        if pid in passages:
            ranks.setdefault(pid, {})
    ids = sorted(ranks, key=lambda pid: min((r for r, _ in ranks[pid].values()), default=math.inf))
    matrix = np.zeros((len(ids), len(FEATURES)), dtype=np.float32)
    for row, pid in enumerate(ids):
        _fill(matrix[row], ranks[pid], tops, passages[pid], context)
    for channel, scores in (rescored or {}).items():
        if channel in RESCORING:
            start = _INDEX[f"cos_{channel}"]
            for row, pid in enumerate(ids):
                matrix[row, start : start + 3] = scores[pid]
    return Candidates(ids, matrix, [tuple(ranks[pid]) for pid in ids])


def _fill(
    row: np.ndarray,
    ranks: Mapping[str, tuple[int, float]],
    tops: Mapping[str, float],
    passage: Passage,
    context: QueryContext,
) -> None:
    for channel, (rank, score) in ranks.items():
        row[_INDEX[f"rr_{channel}"]] = RRF_K / (RRF_K + rank)
        row[_INDEX[f"in_{channel}"]] = 1.0
        if channel in SCORED:
            row[_INDEX[f"score_{channel}"]] = score
            row[_INDEX[f"gap_{channel}"]] = _gap(channel, score, tops[channel])
    named = passage.doc_id in context.named_docs
    internal = passage.level == INTERNAL
    row[_INDEX["named_doc"]] = named
    row[_INDEX["named_other"]] = bool(context.named_docs) and not named
    row[_INDEX["own_rules"]] = context.own_rules
    row[_INDEX["internal"]] = internal
    row[_INDEX["internal_x_own"]] = internal and context.own_rules
    row[_INDEX["internal_x_named"]] = internal and named
    if f"level_{passage.level}" in _INDEX:
        row[_INDEX[f"level_{passage.level}"]] = 1.0
    row[_INDEX["log_len"]] = math.log1p(len(passage.text))
    row[_INDEX["n_channels"]] = len(ranks)
    row[_INDEX["first_part"]] = passage.part == 0


def _gap(channel: str, score: float, top: float) -> float:
    """How far below the channel's best this score is (BM25 and votes relative, cosines absolute)."""
    if channel in ("bm25", "votes"):
        return score / top if top > 0 else 0.0
    return score - top


class RankerModel:
    """A fitted LambdaMART model over FEATURES, calibrated to P(relevant), with its provenance.

    The gradient-boosted trees (LightGBM, lambdarank objective) order the candidates; a Platt
    scaling fitted on out-of-fold scores turns a tree score into the probability that the
    passage answers the question, which is what Hit.score carries.
    """

    def __init__(self, booster_text: str, platt: tuple[float, float], meta: Mapping[str, object]) -> None:
        from regkb import gbm

        self.booster_text = booster_text
        self.platt = platt
        self.meta = dict(meta)
        self._predict = gbm.predictor(booster_text)

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0, dtype=np.float64)
        return self._predict(matrix)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """P(relevant) for each row."""
        a, b = self.platt
        z = a * self.raw(matrix) + b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "platt": [round(v, 6) for v in self.platt],
            "meta": self.meta,
            "booster": self.booster_text,
        }

    @classmethod
    def from_json(cls, data: Mapping, source: str = "ranker.json") -> RankerModel:
        try:
            features = tuple(data["features"])
            a, b = (float(v) for v in data["platt"])
            booster, meta = str(data["booster"]), dict(data.get("meta", {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: not a ranker model ({exc}); run `make train`") from exc
        if features != FEATURES:
            raise ConfigError(
                f"{source}: fitted on other features than this regkb computes; run `make train`"
            )
        return cls(booster, (a, b), meta)


def load_model(path: Path = MODEL_PATH) -> RankerModel | None:
    """The fitted model; None (with a warning) before `make train` has produced one."""
    if not path.exists():
        log.warning("%s: no fitted ranker; ranking by plain reciprocal-rank fusion (run `make train`)", path)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the ranker model ({exc}); run `make train`") from exc
    return RankerModel.from_json(data, str(path))
