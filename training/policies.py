"""How the shipped engine finds a company policy it has never met, on the training policies.

    python -m training.policies --index .regkb-eval

Each directory of training/questions/policies holds a policy of an invented company, written for
training only, with questions about it (never split, never reported as validation). Each policy is
ingested beside the corpus into its own copy of `index` (a sibling directory, kept between runs:
re-ingest is incremental), as a customer's policy would be, and its questions are asked there.
The figures are R@5 and MRR@10 over the policy's articles (its gold; the sample policies answer
some of the same questions, and rank first when the engine prefers them), the share refused, how
many of the questions with an expected_answer get that conclusion label, and for each channel the
share of questions whose gold it ranks in its top 5: the ranker cannot place what no channel
proposes. Train figures: for diagnosis and tuning, not validation.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from evals.dataset import EvalQuestion, load_questions
from evals.paths import REPO, SHARED
from regkb.errors import ConfigError
from regkb.types import Passage

POLICIES = REPO / "training" / "questions" / "policies"
CHANNELS = ("bm25", "e5", "use", "memory")


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    documents: tuple[Path, ...]
    questions: tuple[EvalQuestion, ...]


def training_policies(root: Path = POLICIES) -> list[Policy]:
    """Every training policy: its documents, as its manifest lists them, and its questions."""
    from ingest.metadata import read_manifest

    out = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        documents = tuple(directory / path for path in read_manifest(directory))
        out.append(Policy(directory.name, documents, tuple(load_questions(directory / "questions.jsonl"))))
    return out


def beside_corpus(index: Path, shared: Path, policy: Policy) -> Path:
    """A copy of `index` with the policy ingested beside corpus/ and the shared corpus."""
    from ingest.pipeline import ingest_paths
    from regkb.index import IndexReader

    target = index.with_name(f"{index.name}-{policy.name}")
    if not target.exists():
        shutil.copytree(index, target)
    dense = list(IndexReader.open(index).embedder_specs)
    report = ingest_paths(
        [REPO / "corpus", shared / "corpus", *policy.documents], target, dense=dense, max_tokens=480
    )
    if report.files_failed:
        raise ConfigError(f"{target}: the policy {policy.name} failed to ingest: {report.files_failed}")
    return target


def _is_gold(gold: set[tuple[str, str]], passage: Passage) -> bool:
    return any(passage.doc_id.endswith(doc) and passage.article == article for doc, article in gold)


def figures(index: Path, questions: Sequence[EvalQuestion]) -> dict[str, float]:
    """R@5, MRR@10, the share refused, the conclusion labels right and each channel's top-5 share of the gold."""
    from regkb.engine import Engine
    from regkb.ranker import FEATURES, RRF_K
    from regkb.settings import Settings

    engine = Engine.open(Settings(index_dir=index))
    top5 = RRF_K / (RRF_K + 5)  # a channel's reciprocal-rank feature at rank 5
    hits, ranks, refused, labelled, right = 0, 0.0, 0, 0, 0
    channel_hits = dict.fromkeys(CHANNELS, 0)
    for q in questions:
        is_gold = partial(_is_gold, {(g.doc, g.article) for g in q.gold})
        found = engine.retrieve(q.question, k=10)
        first = next((i + 1 for i, hit in enumerate(found) if is_gold(hit.passage)), None)
        hits += first is not None and first <= 5
        ranks += 1.0 / first if first else 0.0
        answer = engine.ask(q.question)
        refused += answer.refused
        if q.expected_answer:
            labelled += 1
            right += answer.conclusion is not None and answer.conclusion.label == q.expected_answer
        candidates, passages = engine.candidates(q.question)
        gold = [i for i, passage in enumerate(passages) if is_gold(passage)]
        for channel in CHANNELS:
            column = candidates.matrix[gold, FEATURES.index(f"rr_{channel}")]
            channel_hits[channel] += bool(len(column)) and float(column.max()) >= top5 - 1e-9
    n = len(questions)
    out = {"questions": n, "R@5": hits / n, "MRR@10": ranks / n, "refused": refused / n}
    out.update({"labelled": labelled, "conclusions right": right})
    out.update({f"top5_{c}": channel_hits[c] / n for c in CHANNELS})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.policies", description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    print("TRAIN figures (training policies; tuning figures, not validation)")
    for policy in training_policies():
        got = figures(beside_corpus(args.index, args.shared, policy), policy.questions)
        print(
            policy.name,
            "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in got.items()),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
