"""HTML via BeautifulSoup: the body text without navigation, scripts and styles; one line per block.

The only module that imports bs4. The declared charset (<meta charset>, http-equiv) is honoured,
with GB2312/GBK read as their superset GB18030 (Chinese government pages declare gb2312 and use
GBK characters).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest.loaders import CJK, LoadedText, ensure_not_empty, normalise_text, read_bytes
from ingest.loaders.text import decode_bytes

DROPPED_TAGS = ("nav", "header", "footer", "aside", "script", "style", "noscript", "form")
_ALSO_DROPPED = ("template", "iframe", "svg", "canvas", "button", "select", "textarea", "object")
_BLOCKS = frozenset(
    {
        *("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption"),
        *("blockquote", "pre", "address", "figure", "figcaption", "hr", "center", "details", "summary"),
        "body",
    }
)
_CELLS = frozenset({"td", "th"})
CELL_SEPARATOR = " | "
_BREAK, _CELL = "\ue000", "\ue001"  # private-use sentinels, never in real text
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_GB_ALIASES = frozenset({"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "csgb2312", "euc-cn"})
_WRAP_BETWEEN_CJK = re.compile(rf"(?<={CJK})[ \t\r\f]*\n[ \t\n\r\f]*(?={CJK})")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB, GBK-family names mapped to gb18030."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # a BOM outranks a declaration
    match = _CHARSET.search(data[:4096])
    if match is None:
        return None
    name = match.group(1).decode("ascii").lower()
    return "gb18030" if name in _GB_ALIASES else name


def _pieces(node: Tag) -> Iterator[str]:
    """Text pieces of node in order, with sentinels marking line breaks and cell ends."""
    for child in node.children:
        if isinstance(child, Tag):
            if child.name == "br":
                yield _BREAK
                continue
            block = child.name in _BLOCKS
            if block:
                yield _BREAK
            if child.name == "pre":
                yield child.get_text().replace("\n", _BREAK)
            else:
                yield from _pieces(child)
            if child.name in _CELLS:
                yield _CELL
            if block:
                yield _BREAK
        elif type(child) is NavigableString:  # skips comments, doctypes, CDATA
            yield str(child)


def _line(raw: str) -> str:
    cells = [_HTML_SPACE.sub(" ", cell).strip() for cell in raw.split(_CELL)]
    while cells and not cells[-1]:
        cells.pop()
    return CELL_SEPARATOR.join(cells)


def html_to_text(markup: str) -> str:
    """Visible body text of markup, one line per block element."""
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup.find_all([*DROPPED_TAGS, *_ALSO_DROPPED]):
        tag.decompose()
    for tag in soup.find_all(True, attrs={"hidden": True}):
        tag.decompose()
    root = soup.body or soup
    joined = "".join(_pieces(root)).replace("\xa0", " ")
    joined = _WRAP_BETWEEN_CJK.sub("", joined)  # source line breaks inside Chinese text vanish
    lines = (_line(raw) for raw in joined.split(_BREAK))
    return "\n".join(line for line in lines if line)


def load_html(path: Path) -> LoadedText:
    """The body text of an .html/.htm page."""
    data = read_bytes(path)
    markup = decode_bytes(data, path, declared=declared_charset(data))
    text = normalise_text(html_to_text(markup))
    ensure_not_empty(path, text, "empty file (no body text after removing navigation, scripts and styles)")
    return LoadedText(text=text)
