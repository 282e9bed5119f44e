"""ReferenceFinder.find skips naming documents when no article stands after position 0 (the
cross-reference graph asks this of every passage at the first query): the same references as
matching documents first, on every passage of the shipped corpus."""

from __future__ import annotations

from pathlib import Path

from regkb import vocab
from regkb.lookup import ArticleRef, ReferenceFinder, with_di
from regkb.names import FuzzyNames, without_state_prefix
from regkb.numerals import ARTICLE_RE, article_label, to_int

REPO = Path(__file__).resolve().parents[2]


def _reference(finder: ReferenceFinder, text: str) -> list[ArticleRef]:
    """find() as it read before the shortcut: documents first, then each article after one."""
    clean = with_di(without_state_prefix(text))
    docs = finder.documents(clean)
    refs = []
    for match in ARTICLE_RE.finditer(clean):
        try:
            number = to_int(match.group(1))
            suffix = to_int(match.group(2)) if match.group(2) else None
        except ValueError:
            continue
        before = [d for d in docs if d[1][1] <= match.start()]
        if before:
            refs.append(ArticleRef(before[-1][0], article_label(number, suffix), match.span()))
    return refs


def test_shortcut_finds_what_matching_documents_first_finds() -> None:
    aliases = vocab.load_aliases()
    names = aliases.names()
    finder = ReferenceFinder(names, aliases.resolve, FuzzyNames((n, aliases.resolve(n) or n) for n in names))
    texts = ["第五十条 催收人员不得使用暴力。", "第5条依照《民法典》第680条", "刑法293条之一", "民法典"]
    for path in sorted((REPO / "corpus").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        texts += [text[i : i + 300] for i in range(0, len(text), 150)]
    found = [finder.find(t) for t in texts]
    assert found == [_reference(finder, t) for t in texts]
    assert sum(bool(refs) for refs in found) > 20  # the corpus really cites articles
    assert found[1] == [ArticleRef("民法典", "第六百八十条", (10, 15))]  # 第 is not doubled
