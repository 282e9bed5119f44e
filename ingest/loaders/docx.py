"""DOCX via python-docx: paragraphs and tables in body order, one line per paragraph or table row.

The only module that imports python-docx. Heading paragraphs are emitted as their text
(the structure parser recognises 第X章 etc. without Markdown markers). A paragraph Word numbers
automatically (第一条 / 第一章 / 2.3 drawn from numbering.xml, in the paragraph or its style) is
emitted with its number in front (ingest.loaders.numbering), as it reads on the page.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.loaders import LoadedText, ensure_not_empty, normalise_text, read_bytes
from ingest.loaders.numbering import ListNumbers, W
from regkb.errors import LoadError

log = logging.getLogger(__name__)

CELL_SEPARATOR = " | "
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, or an encrypted Office file
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a real regulation unpacks to a few MB
MAX_RATIO = 200  # text-heavy XML compresses ~10x; a zip bomb 1000x and more


def _row_lines(table: Table) -> Iterator[str]:
    """One line per row; a merged cell (repeated by python-docx) appears once, trailing empty cells go."""
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # horizontally merged: the same cell again
                continue
            previous = cell._tc
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            yield CELL_SEPARATOR.join(cells)


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, level) of the paragraph's list numbering (numId 0: none). Each is the paragraph's own
    or, failing that, its style's (along the basedOn chain): a paragraph may set only its level."""
    sources = [paragraph._p.pPr]
    style, seen = paragraph.style, set()
    while style is not None and style.style_id not in seen:  # a damaged file may chain styles in a loop
        seen.add(style.style_id)
        sources.append(style.element.pPr)
        style = style.base_style
    found: dict[str, str] = {}
    for ppr in sources:
        num_pr = ppr.find(f"{W}numPr") if ppr is not None else None
        for tag in ("numId", "ilvl"):
            child = num_pr.find(f"{W}{tag}") if num_pr is not None else None
            if child is not None and tag not in found:
                found[tag] = child.get(f"{W}val", "0")
    num_id = found.get("numId", "0")
    level = found.get("ilvl", "0")
    return None if num_id == "0" else (num_id, int(level) if level.isdigit() else 0)


def _numbering(document: DocxDocument) -> ListNumbers:
    """The document's list numbers; a numbering style (w:numStyleLink) is followed to its numId."""
    styles = document.styles.element

    def style_num(style_id: str) -> str | None:
        for style in styles.findall(f"{W}style"):
            if style.get(f"{W}styleId") == style_id:
                num_id = style.find(f"{W}pPr/{W}numPr/{W}numId")
                return None if num_id is None else num_id.get(f"{W}val")
        return None

    try:
        return ListNumbers(document.part.numbering_part.element, style_num)
    except (KeyError, NotImplementedError):
        return ListNumbers(None)


def _body_lines(document: DocxDocument) -> Iterator[str]:
    numbers = _numbering(document)
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            numbered = _num_pr(block)
            label = numbers.label(*numbered) if numbered else ""
            if block.text.strip():
                yield f"{label} {block.text.lstrip()}" if label else block.text
        elif isinstance(block, Table):
            yield from _row_lines(block)


def refuse_zip_bomb(path: Path, data: bytes) -> None:
    """Refuse a package whose declared unpacked size is absurd, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip at all: docx.Document reports it as corrupt
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(len(data), 1):
        raise LoadError(
            str(path),
            f"refused: the DOCX would unpack to {unpacked / 2**20:.0f} MB from {len(data) / 2**10:.0f} KB "
            "(a zip bomb or a damaged package); re-save it from Word as .docx",
        )


def _open(path: Path) -> DocxDocument:
    data = read_bytes(path)
    if data.startswith(_OLE_MAGIC):
        raise LoadError(
            str(path),
            "not a .docx package: a legacy Word .doc or a password-protected file; "
            "save it from Word as an unprotected .docx",
        )
    refuse_zip_bomb(path, data)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx raise many types on damaged input
        raise LoadError(
            str(path),
            f"corrupt or not a DOCX file: {type(exc).__name__}: {exc}; re-save it from Word as .docx",
        ) from exc


def load_docx(path: Path) -> LoadedText:
    """Paragraph and table-row text of a .docx in document order."""
    document = _open(path)
    try:
        lines = list(_body_lines(document))
    except Exception as exc:
        raise LoadError(str(path), f"corrupt DOCX content: {type(exc).__name__}: {exc}") from exc
    text = normalise_text("\n".join(lines))
    ensure_not_empty(path, text)
    return LoadedText(text=text)
