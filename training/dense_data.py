"""Training pairs for the e5 adapter: (question, article) from TRAIN splits, plus pairs mined from the corpus.

Sources (``Pair.source``):

- ``stard``: ../shared/evals/stard/pairs-train.jsonl, train split only; each gold article is
  the indexed passage when the index holds it (matched by title or short title + article
  label), else the text the file gives;
- ``dev`` and the ``evals/questions`` sets DENSE_SETS names: answerable train-split questions,
  gold references -> indexed passages;
- ``cites``: an internal rule -> the law article it cites (《…》第X条 in its text, which is
  removed from the query so the pair teaches meaning, not string matching);
- ``heading``: a chapter or section heading -> one of its articles (seeded choice);
- ``conduct`` / ``jargon``: a conduct pattern's name and example questions
  (regkb/data/conduct.yaml), and a slang term (regkb/data/jargon.yaml) whose conduct the
  project's spotter recognises -> the provisions it maps to.

Every pair gets one hard negative: the best BM25 passage of the index that is not a gold
article of the pair and sits at the positive's level (a public statute for a text the index does
not hold), so the negatives teach meaning, not "internal rules are never the answer".

The adapter never trains on a question the ranker trains on (``held``: the train questions of
training/data.py RETRIEVAL_SETS). The ranker learns how far to trust the adapted channel from
its scores on those questions; had the adapter seen them, those scores would be better than
anything it gives a new question, and the ranker would learn to over-trust it. So STARD teaches
the adapter through its questions outside the corpus set, the rest through mined pairs.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from evals.dataset import load_questions
from evals.splits import split_of
from regkb import vocab
from regkb.index import IndexReader
from regkb.names import normalize_name
from regkb.numerals import normalize_article_refs
from regkb.ranker import INTERNAL
from regkb.types import Passage

ARTICLE_TAIL = re.compile(r"(第[〇零一二三四五六七八九十百千万\d]+条(?:之[一二三四五六七八九十\d]+)?)$")
CITATION = re.compile(
    r"《([^》]{2,40})》(第[〇零一二三四五六七八九十百千万\d]+条(?:之[一二三四五六七八九十\d]+)?)"
)
HEADING_NUMBER = re.compile(r"^第[〇零一二三四五六七八九十百千万\d]+[编章节]\s*")


@dataclass(frozen=True, slots=True)
class Pair:
    source: str
    query: str
    positive: str  # text embedded as a passage
    positive_id: str  # passage id, or "ext:<sha>" for a text the index does not hold
    gold: frozenset[str]  # ids that must never serve as this pair's negatives
    negative: str = ""
    negative_id: str = ""


class Articles:
    """Index passages by (normalised title or short title, canonical article label)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._by_name: dict[tuple[str, str], list[Passage]] = {}
        self._by_doc: dict[tuple[str, str], list[Passage]] = {}
        for p in passages:
            label = normalize_article_refs(p.article)
            for name in {p.title, p.short_title} - {""}:
                self._by_name.setdefault((normalize_name(name), label), []).append(p)
            self._by_doc.setdefault((p.doc_id, label), []).append(p)

    def by_name(self, name: str, article: str) -> list[Passage]:
        key = (normalize_name(name), normalize_article_refs(article))
        found = self._by_name.get(key)
        if found is None:
            resolved = vocab.load_aliases().resolve(name)
            found = self._by_name.get((normalize_name(resolved), key[1])) if resolved else None
        return found or []

    def by_doc(self, doc: str, article: str) -> list[Passage]:
        return self._by_doc.get((doc, normalize_article_refs(article)), [])


def _ext_id(text: str) -> str:
    return "ext:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _pairs_for(source: str, query: str, golds: list[list[Passage]]) -> list[Pair]:
    """One pair per gold article (its first passage); every gold passage is excluded as negative."""
    gold_ids = frozenset(p.id for ps in golds for p in ps)
    return [Pair(source, query, ps[0].embed_text, ps[0].id, gold_ids) for ps in golds if ps]


def stard_pairs(path: Path, articles: Articles, held: frozenset[str] = frozenset()) -> list[Pair]:
    """pairs-train.jsonl, train split but ``held``: indexed passage when found, else the given text."""
    out: list[Pair] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split_of(str(row["id"])) != "train" or str(row["id"]) in held:
            continue
        positives: list[tuple[str, str]] = []
        for art in row["articles"]:
            match = ARTICLE_TAIL.search(art["name"])
            found = articles.by_name(art["name"][: match.start()], match.group(1)) if match else []
            if found:
                positives.append((found[0].embed_text, found[0].id))
            else:
                text = f"《{art['name']}》\n{art['text']}"
                positives.append((text, _ext_id(text)))
        gold = frozenset(pid for _, pid in positives)
        out.extend(Pair("stard", row["question"], text, pid, gold) for text, pid in positives)
    return out


def question_pairs(
    source: str, path: Path, articles: Articles, held: frozenset[str] = frozenset()
) -> list[Pair]:
    """An eval-format set: answerable train-split questions but ``held``, gold refs -> indexed passages."""
    out: list[Pair] = []
    for q in load_questions(path):
        if not q.answerable or split_of(q.id) != "train" or q.id in held:
            continue
        golds = [articles.by_doc(r.doc, r.article) or articles.by_name(r.title, r.article) for r in q.gold]
        out.extend(_pairs_for(source, q.question, golds))
    return out


def citation_pairs(passages: Sequence[Passage], articles: Articles) -> list[Pair]:
    """Internal rule (citations removed) -> each law article it cites."""
    out: list[Pair] = []
    for p in passages:
        if p.level != INTERNAL:
            continue
        cited = [articles.by_name(m.group(1), m.group(2)) for m in CITATION.finditer(p.text)]
        query = CITATION.sub("", p.text).strip()
        if len(query) >= 10:
            out.extend(_pairs_for("cites", query, [c for c in cited if c and c[0].doc_id != p.doc_id]))
    return out


def heading_pairs(passages: Sequence[Passage], rng: random.Random, per_heading: int = 1) -> list[Pair]:
    """A chapter/section heading (its number stripped) -> up to ``per_heading`` of its articles."""
    groups: dict[tuple[str, str], list[Passage]] = {}
    for p in passages:
        if p.heading_path and p.article.startswith("第"):
            groups.setdefault((p.doc_id, p.heading_path[-1]), []).append(p)
    out: list[Pair] = []
    for (_doc, heading), members in sorted(groups.items()):
        name = HEADING_NUMBER.sub("", heading).strip()
        if len(name) < 2:
            continue
        firsts = list({(p.doc_id, p.article): p for p in reversed(members)}.values())[::-1]
        chosen = rng.sample(firsts, min(per_heading, len(firsts)))
        gold = frozenset(p.id for p in members)
        out.extend(Pair("heading", name, p.embed_text, p.id, gold) for p in chosen)
    return out


def conduct_pairs(articles: Articles, per_name: int = 2) -> list[Pair]:
    """A conduct's name -> its first ``per_name`` provisions; its i-th example question -> its
    i-th provision (cycled)."""
    out: list[Pair] = []
    for conduct in vocab.load_conduct():
        golds = [articles.by_name(pr.title, pr.article) for pr in conduct.provisions]
        golds = [g for g in golds if g]
        if not golds:
            continue
        out.extend(_pairs_for("conduct", conduct.name, golds)[:per_name])
        for i, example in enumerate(conduct.examples):
            pairs = _pairs_for("conduct", example, golds)
            out.append(pairs[i % len(pairs)])
    return out


def jargon_pairs(articles: Articles) -> list[Pair]:
    """A slang term -> the provisions of the conduct the project's spotter recognises in it."""
    out: list[Pair] = []
    for entry in vocab.load_jargon():
        for i, slang in enumerate(entry.slang):
            golds = [
                articles.by_name(pr.title, pr.article)
                for h in vocab.spot_conduct(slang)
                for pr in h.provisions
            ]
            pairs = _pairs_for("jargon", slang, [g for g in golds if g])
            if pairs:
                out.append(pairs[i % len(pairs)])
    return out


def _same_level(positive_id: str, reader: IndexReader) -> Callable[[Passage], bool]:
    """Whether a candidate negative sits at the positive's level (a text outside the index is a
    public statute: any level but 内部制度)."""
    positive = reader.by_id.get(positive_id)
    if positive is None:
        return lambda p: p.level != INTERNAL
    return lambda p: p.level == positive.level


def with_negatives(pairs: Iterable[Pair], reader: IndexReader, depth: int = 30) -> list[Pair]:
    """Give each pair the best BM25 passage at its positive's level that is not one of its gold
    articles."""
    out: list[Pair] = []
    for pair in pairs:
        gold_articles = {
            (reader.by_id[i].doc_id, reader.by_id[i].article) for i in pair.gold if i in reader.by_id
        }
        level_ok = _same_level(pair.positive_id, reader)
        for pid, _score in reader.lexical.search(pair.query, depth):
            p = reader.by_id[pid]
            if (
                pid not in pair.gold
                and (p.doc_id, p.article) not in gold_articles
                and p.embed_text != pair.positive
                and level_ok(p)
            ):
                out.append(replace(pair, negative=p.embed_text, negative_id=pid))
                break
        else:
            out.append(pair)  # no lexical candidate: in-batch negatives only
    return out


# The project's own question sets whose train questions the adapter learns from (evals/questions/).
# The answers set (permission.jsonl) is not one of them: it measures conclusions, and adding it
# would change the adapter, the index's vectors and every model fitted on them.
DENSE_SETS = ("blind", "heldout", "internal", "out_of_scope")


def own_sets(questions_dir: Path) -> list[Path]:
    return [questions_dir / f"{name}.jsonl" for name in DENSE_SETS]


def build_pairs(
    reader: IndexReader, shared: Path, questions_dir: Path, seed: int, held: frozenset[str] = frozenset()
) -> list[Pair]:
    """Every training pair but those of ``held`` questions, deduplicated, with hard negatives;
    deterministic for a seed."""
    articles = Articles(reader.passages)
    rng = random.Random(seed)
    pairs = stard_pairs(shared / "evals" / "stard" / "pairs-train.jsonl", articles, held)
    pairs += question_pairs("dev", shared / "evals" / "dev.jsonl", articles, held)
    for path in own_sets(questions_dir):
        pairs += question_pairs(path.stem, path, articles, held)
    pairs += citation_pairs(reader.passages, articles)
    pairs += heading_pairs(reader.passages, rng)
    pairs += conduct_pairs(articles) + jargon_pairs(articles)
    unique = list({(p.query, p.positive_id): p for p in pairs}.values())
    return with_negatives(unique, reader)


def data_hashes(shared: Path, questions_dir: Path) -> dict[str, str]:
    """sha256 (16 hex) of every file the pairs are read from, for the adapter's metadata."""
    files = [
        shared / "evals" / "stard" / "pairs-train.jsonl",
        shared / "evals" / "dev.jsonl",
        *own_sets(questions_dir),
        vocab.CONDUCT_PATH,
        vocab.JARGON_PATH,
    ]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files if f.is_file()}
