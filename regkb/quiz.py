"""Training quiz from provisions, without an LLM.

Two kinds of item:

- cloze: one key legal phrase of an article is blanked (a number with its unit such as
  三年以下有期徒刑 or 三十日, a 不得… / 应当… / 禁止… duty, or a term from regkb/data/userdict.txt),
  with three distractors of the same kind taken from other articles;
- scenario: a question from a file in the eval format (dev.jsonl) -> choose its gold article among
  articles that answer other questions.

Every item carries its answer key, citation and the article text. ``make_quiz`` is deterministic
for a given seed: articles are put in a stable order and every choice draws from random.Random(seed).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from regkb.errors import ConfigError
from regkb.types import REPEALED, Passage, short_hash

USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"
BLANK = "____"
CLOZE, SCENARIO = "cloze", "scenario"

_N = r"[零一二两三四五六七八九十百千万\d]+"
_UNIT = r"(?:日|天|个月|年|小时|倍|元|万元)"
_PENALTY = r"(?:有期徒刑|拘役|拘留|罚款|罚金)"
_NUMBER = re.compile(
    rf"(?<![第年月\d零一二两三四五六七八九十百千万]){_N}(?P<u1>{_UNIT})(?:以上{_N}(?P<u2>{_UNIT}))?"
    rf"(?:以下|以上|以内)?(?P<p>{_PENALTY})?(?![零一二两三四五六七八九十百千万\d期度代内])"
)
# a duty from its modal verb to the end of the clause; 禁止 only where a clause starts with it
_DUTY = re.compile(
    r"(?:(不得|应当)|(?:(?<=^)|(?<=[，。；：\n]))(禁止))[^，。；：、（）“”\n]{3,14}(?=[，。；：、\n])"
)
_CITES = re.compile(rf"第{_N}条")  # a question naming its article gives the answer away
_SENTENCES = re.compile(r"[^。；\n]+[。；]?")
_CITATION = re.compile(r"《(?P<title>[^《》]*)》(?P<article>[^《》]*)")
_MAX_CONTEXT = 240


@dataclass(frozen=True, slots=True)
class QuizItem:
    id: str
    kind: str  # cloze / scenario
    prompt: str
    options: tuple[str, ...]
    answer: int  # index into options
    citation: str  # 《short title》第X条
    explanation: str  # the article text
    doc_id: str = ""


class GoldRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    doc: str = ""
    article: str
    short_title: str = ""


class QuizQuestion(BaseModel):
    """One line of a question file in the eval format (only what the quiz needs)."""

    model_config = ConfigDict(extra="ignore")
    id: str
    question: str
    type: str = ""
    answerable: bool = True
    gold: list[GoldRef] = []
    acceptable: list[GoldRef] = []


def load_questions(path: Path) -> list[QuizQuestion]:
    """Lines of a question file (eval format: id, question, gold, …); errors name the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read ({exc}); check the path (--questions / REGKB_QUIZ_QUESTIONS)"
        ) from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(QuizQuestion.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(line)"
            raise ConfigError(f"{path}:{n}: field '{field}': {first['msg']}") from exc
    return out


def citation_parts(citation: str) -> tuple[str, str]:
    """(short title, article) of an item's 《short title》第X条 citation; ("", "") when it is not one."""
    match = _CITATION.fullmatch(citation.strip())
    if match is None:
        return "", ""
    return match["title"], match["article"].strip()


@dataclass(frozen=True, slots=True)
class _Article:
    passage: Passage  # its first part
    text: str  # all parts joined

    @property
    def key(self) -> tuple[str, str]:
        return (self.passage.short_title, self.passage.article)

    @property
    def body(self) -> str:
        """The text without its leading label (第X条)."""
        label = self.passage.article
        return self.text[len(label) :].strip() if self.text.startswith(label) else self.text

    @property
    def ident(self) -> tuple[str, str]:
        return (self.passage.doc_id, self.passage.article)


def load_terms(path: Path = USERDICT) -> tuple[str, ...]:
    """Terms (3+ characters) from a jieba user dictionary; () when the file does not exist."""
    if not path.is_file():
        return ()
    words = (line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return tuple(sorted({w for w in words if len(w) >= 3 and not w.startswith("#")}))


def articles_of(passages: Iterable[Passage], doc: str | None = None) -> list[_Article]:
    """Articles (parts joined) in a stable order, in force, optionally of one document."""
    groups: dict[tuple[str, str], list[Passage]] = {}
    for p in passages:
        if p.status == REPEALED or not p.article.startswith("第"):
            continue
        if doc and doc not in (p.short_title, p.doc_id):
            continue
        groups.setdefault((p.doc_id, p.article), []).append(p)
    out = []
    for parts in groups.values():
        parts.sort(key=lambda q: q.part)
        out.append(_Article(parts[0], "".join(q.text for q in parts)))
    return sorted(out, key=lambda a: (a.passage.doc_id, a.passage.order, a.passage.article))


# ---------------------------------------------------------------- cloze


def phrases(text: str, terms: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(kind, phrase) candidates of an article, each occurring exactly once in it."""
    found = [
        (f"number:{m.group('p') or m.group('u2') or m.group('u1')}", m.group(0))
        for m in _NUMBER.finditer(text)
    ]
    found += [(m.group(1) or m.group(2), m.group(0)) for m in _DUTY.finditer(text)]
    found += [("term", t) for t in terms if t in text]
    seen: set[str] = set()
    out = []
    for kind, phrase in found:
        if phrase not in seen and text.count(phrase) == 1 and phrase not in text[:12]:
            seen.add(phrase)
            out.append((kind, phrase))
    return out


def _context(article: _Article, phrase: str) -> str:
    """The article with the phrase blanked; only the sentence around it when the article is long."""
    blanked = article.body.replace(phrase, BLANK, 1)
    if len(blanked) <= _MAX_CONTEXT:
        return blanked
    for sentence in _SENTENCES.findall(blanked):
        if BLANK in sentence:
            return "……" + sentence.strip() + "……"
    return blanked


def _priority(kind: str) -> int:
    """Numbers with units first, then prohibitions, then duties, then dictionary terms."""
    if kind.startswith("number:"):
        return 0
    return {"不得": 1, "禁止": 1, "应当": 2}.get(kind, 3)


def _by_priority(rng: random.Random, candidates: list[tuple[str, str]]) -> list[tuple[str, str]]:
    keyed = [(_priority(kind), rng.random(), kind, phrase) for kind, phrase in candidates]
    return [(kind, phrase) for _, _, kind, phrase in sorted(keyed)]


def _distractors(rng: random.Random, pool: Sequence[str], answer: str, text: str) -> list[str] | None:
    usable = [p for p in pool if p not in text and answer not in p and p not in answer]
    return rng.sample(usable, 3) if len(usable) >= 3 else None


def _cloze_items(
    rng: random.Random, articles: list[_Article], everything: list[_Article], terms: Sequence[str], n: int
) -> list[QuizItem]:
    """Up to n cloze items from articles; distractors come from any article of everything."""
    candidates = {a.ident: phrases(a.text, terms) for a in everything}
    pools: dict[str, set[str]] = {}
    for a in everything:
        for kind, phrase in candidates[a.ident]:
            pools.setdefault(kind, set()).add(phrase)
    sorted_pools = {kind: sorted(ps) for kind, ps in pools.items()}
    order = [a for a in articles if candidates[a.ident]]
    rng.shuffle(order)
    items: list[QuizItem] = []
    for article in order:
        if len(items) >= n:
            break
        for kind, phrase in _by_priority(rng, candidates[article.ident]):
            wrong = _distractors(rng, sorted_pools[kind], phrase, article.text)
            if wrong is not None:
                items.append(_item(rng, CLOZE, article, _context(article, phrase), phrase, wrong))
                break
    return items


def _item(
    rng: random.Random, kind: str, article: _Article, prompt: str, right: str, wrong: list[str]
) -> QuizItem:
    options = [right, *wrong]
    rng.shuffle(options)
    label = article.passage.citation_label
    return QuizItem(
        id=short_hash(kind, article.passage.id, right, length=10),
        kind=kind,
        prompt=f"{label}：{prompt}" if kind == CLOZE else prompt,
        options=tuple(options),
        answer=options.index(right),
        citation=label,
        explanation=article.text,
        doc_id=article.passage.doc_id,
    )


# ---------------------------------------------------------------- scenario


def _option(article: _Article) -> str:
    """《short》第X条：the first 40 characters of the article, on one line."""
    body = re.sub(r"\s+", "", article.body)
    return f"{article.passage.citation_label}：{body[:40]}{'…' if len(body) > 40 else ''}"


def _find(ref: GoldRef, by_doc: dict[tuple[str, str], _Article], by_title: dict[tuple[str, str], _Article]):
    return by_doc.get((ref.doc, ref.article)) or by_title.get((ref.short_title, ref.article))


def _scenario_items(
    rng: random.Random,
    all_articles: list[_Article],
    doc: str | None,
    questions: Sequence[QuizQuestion],
    n: int,
) -> list[QuizItem]:
    by_doc = {(a.passage.doc_id, a.passage.article): a for a in all_articles}
    by_title = {a.key: a for a in all_articles}
    resolved = []
    for q in questions:
        golds = [a for ref in q.gold if (a := _find(ref, by_doc, by_title))]
        if q.answerable and golds and q.type != "article_lookup" and not _CITES.search(q.question):
            near = {(ref.short_title, ref.article) for ref in [*q.gold, *q.acceptable]} | {
                a.key for a in golds
            }
            resolved.append((q, golds[0], near))
    plausible = sorted({g.key: g for _, g, _ in resolved}.values(), key=lambda a: a.key)
    chosen = [r for r in resolved if not doc or doc in (r[1].passage.short_title, r[1].passage.doc_id)]
    rng.shuffle(chosen)
    items = []
    for q, gold, near in chosen[:n]:
        pool = [a for a in plausible if a.key not in near] or [a for a in all_articles if a.key not in near]
        if len(pool) < 3:
            pool = [a for a in all_articles if a.key not in near]
        if len(pool) < 3:
            continue
        wrong = [_option(a) for a in rng.sample(pool, 3)]
        items.append(
            _item(rng, SCENARIO, gold, f"情境：{q.question}\n最直接适用的条文是？", _option(gold), wrong)
        )
    return items


# ---------------------------------------------------------------- the quiz


def make_quiz(
    passages: Iterable[Passage],
    n: int,
    seed: int,
    doc: str | None = None,
    questions: Sequence[QuizQuestion] | None = None,
    terms: Sequence[str] | None = None,
) -> list[QuizItem]:
    """Up to n items (half scenario items when questions are given), deterministic for a seed."""
    rng = random.Random(seed)
    everything = articles_of(passages)
    articles = [a for a in everything if not doc or doc in (a.passage.short_title, a.passage.doc_id)]
    scenario = _scenario_items(rng, everything, doc, questions, n) if questions else []
    wanted = n - min(len(scenario), n // 2)
    cloze = _cloze_items(rng, articles, everything, load_terms() if terms is None else terms, wanted)
    items = cloze + scenario[: n - len(cloze)]
    rng.shuffle(items)
    return items


# ---------------------------------------------------------------- output

LETTERS = "ABCDEFGH"
_KIND_NAMES = {CLOZE: "填空", SCENARIO: "情境匹配"}


def item_dict(item: QuizItem) -> dict[str, object]:
    """The JSON shape of an item (answer as index and letter)."""
    return {
        "id": item.id,
        "kind": item.kind,
        "prompt": item.prompt,
        "options": list(item.options),
        "answer": item.answer,
        "answer_letter": LETTERS[item.answer],
        "citation": item.citation,
        "explanation": item.explanation,
        "doc_id": item.doc_id,
    }


def render_markdown(items: Sequence[QuizItem], seed: int) -> str:
    """Questions first, then an answer key with each correct article quoted."""
    lines = ["# 培训测验", "", f"共 {len(items)} 题（随机种子 {seed}）。", ""]
    for i, item in enumerate(items, 1):
        lines += [f"## 第 {i} 题 · {_KIND_NAMES.get(item.kind, item.kind)}", "", item.prompt, ""]
        lines += [f"- {LETTERS[j]}. {option}" for j, option in enumerate(item.options)]
        lines.append("")
    lines += ["---", "", "## 答案与解析", ""]
    for i, item in enumerate(items, 1):
        lines += [f"{i}. **{LETTERS[item.answer]}** {item.options[item.answer]}  —  {item.citation}", ""]
        lines += ["   > " + line if line.strip() else "   >" for line in item.explanation.splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
