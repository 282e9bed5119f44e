"""PDF via pypdf: text per page, running headers/footers and page numbers dropped, wrapped lines joined.

The only module that imports pypdf. The cleaning steps are pure functions over lists of lines
(``strip_running_lines``, ``join_pages``) so they can be tested without a PDF.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, EmptyFileError, FileNotDecryptedError

from ingest.loaders import CJK, LoadedText, ensure_not_empty, normalise_text, read_bytes
from regkb.errors import LoadError

log = logging.getLogger(__name__)

NO_TEXT_LAYER = "no text layer (scanned?); OCR is not supported"
ENCRYPTED = (
    "encrypted PDF: it needs a password to open; supply a decrypted copy "
    "(e.g. `qpdf --password=PASSWORD --decrypt in.pdf out.pdf`)"
)
EDGE_LINES = 3  # how many lines at the top and at the bottom of a page may be header/footer
_SHORT_LINE = 0.75  # a line narrower than this share of a full line ends its paragraph
_MIN_LINES_FOR_WIDTH = 8
_MIN_FULL_LINES = 4

_NUM = r"[0-9零〇一二三四五六七八九十百]+"
_PAGE_NUMBER = re.compile(
    rf"""(?:[-—–－~～_\s]*\d{{1,4}}[-—–－~～_\s]*
        |第\s*{_NUM}\s*页(?:\s*[,，/／]?\s*共\s*{_NUM}\s*页)?
        |共\s*{_NUM}\s*页\s*[,，/／]?\s*第\s*{_NUM}\s*页
        |\d{{1,4}}\s*[/／]\s*\d{{1,4}}
        |(?:page|p\.)\s*\d{{1,4}}(?:\s*(?:of|/)\s*\d{{1,4}})?)""",
    re.IGNORECASE | re.VERBOSE,
)
_CN = "零〇一二三四五六七八九十百千万两"
_HEADING = re.compile(rf"第[{_CN}\d]+(?:分编|编|章|节|部分)(?:\s|$)")
_UNIT = re.compile(
    rf"""(?:第[{_CN}\d]+(?:条(?:之[{_CN}]+)?|分编|编|章|节|部分)
        |[（(][{_CN}\d]+[)）]
        |[{_CN}]+[、．]
        |\d+[、．.](?!\d)
        |附\s*[则件录]
        |[（(]\d{{4}}年
        |\#)""",
    re.VERBOSE,
)
# After a 第X条 at a line start, these characters mean a cross-reference ("第十条的规定"), not a new unit.
_REFERENCE_FOLLOWERS = frozenset("的、，,规至和或及与中款项第所以")
_SENTENCE_END = frozenset("。；：！？…”’」』）)】〕.;:!?")
_SPACED_CJK = re.compile(rf"(?<={CJK}) (?={CJK})")
_TIGHT_CJK = re.compile(rf"{CJK}(?={CJK})")


def is_page_number(line: str) -> bool:
    """Lines such as "- 3 -", "第3页", "第 3 页 共 10 页", "3/10", "Page 3 of 10" or a bare "3"."""
    return _PAGE_NUMBER.fullmatch(line.strip()) is not None


def starts_unit(line: str) -> bool:
    """Whether line opens a structural unit (第X条/章/节/编, （一）, 一、, 1.), not a cross-reference."""
    match = _UNIT.match(line)
    if match is None:
        return False
    rest = line[match.end() :]
    return not (match.group().startswith("第") and rest[:1] in _REFERENCE_FOLLOWERS)


def display_width(line: str) -> int:
    """Width in half-width cells: CJK and other wide (or ambiguous) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


def full_line_width(pages: list[list[str]]) -> int | None:
    """The width of a line filled to the margin, when the document visibly wraps text; else None.

    Taken as the 90th percentile of line widths, trusted only with enough lines at about that width.
    """
    widths = sorted(display_width(line) for lines in pages for line in lines)
    if len(widths) < _MIN_LINES_FOR_WIDTH:
        return None
    full = widths[int(len(widths) * 0.9)]
    near_full = sum(1 for width in widths if width >= 0.9 * full)
    return full if near_full >= _MIN_FULL_LINES else None


def should_join(previous: str, line: str, full_width: int | None = None) -> bool:
    """Whether line continues the sentence of previous (a line broken by wrapping).

    With full_width known, a previous line well short of the margin ended its paragraph
    (a title followed by a document number, say) and is not joined.
    """
    if previous[-1] in _SENTENCE_END or _HEADING.match(previous):
        return False
    if full_width is not None and display_width(previous) < _SHORT_LINE * full_width:
        return False
    return not starts_unit(line)


def _joiner(previous: str, line: str) -> str:
    """One space between two ASCII words; nothing between Chinese characters."""
    last, first = previous[-1], line[0]
    return " " if last.isascii() and first.isascii() and last not in "-/" else ""


def _separator(previous: str | None, line: str, full_width: int | None) -> str:
    """What goes between the previous line and this one: nothing/space (joined) or a newline."""
    if previous is None:
        return ""
    return _joiner(previous, line) if should_join(previous, line, full_width) else "\n"


def _despace_cjk(text: str) -> str:
    """Undo letter-spaced CJK ("第 一 条") when most CJK neighbours on the page are space-separated."""
    spaced = len(_SPACED_CJK.findall(text))
    tight = len(_TIGHT_CJK.findall(text))
    if spaced and spaced > tight:
        return _SPACED_CJK.sub("", text)
    return text


def page_lines(raw: str) -> list[str]:
    """Non-empty, stripped lines of one page's extracted text."""
    text = _despace_cjk(normalise_text(raw))
    return [line.strip() for line in text.split("\n") if line.strip()]


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _repeated_edge_keys(pages: list[list[str]]) -> set[str]:
    """Keys of lines found near the top or bottom of more than half of the pages (at least 2)."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]})
    with_text = sum(1 for lines in pages if lines)
    return {key for key, n in counts.items() if n >= 2 and n * 2 > with_text}


def _trim_edges(lines: list[str], repeated: set[str]) -> list[str]:
    def removable(line: str) -> bool:
        if starts_unit(line) and not is_page_number(line):
            return False
        return is_page_number(line) or _edge_key(line) in repeated

    start, end = 0, len(lines)
    while start < min(EDGE_LINES, end) and removable(lines[start]):
        start += 1
    while end > max(start, len(lines) - EDGE_LINES) and removable(lines[end - 1]):
        end -= 1
    return lines[start:end]


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (repeated at page edges) and page-number lines at page edges."""
    repeated = _repeated_edge_keys(pages) if len(pages) > 1 else set()
    return [_trim_edges(lines, repeated) for lines in pages]


def join_pages(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """The body text with wrapped lines joined, and the char offset where each page starts."""
    full_width = full_line_width(pages)
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    previous: str | None = None
    for lines in pages:
        page_start: int | None = None
        for line in lines:
            sep = _separator(previous, line, full_width)
            length += len(sep)
            page_start = length if page_start is None else page_start
            parts += (sep, line)
            length += len(line)
            previous = line
        starts.append(length if page_start is None else page_start)
    if starts:
        starts[0] = 0
    return "".join(parts), tuple(starts)


def _open(path: Path) -> PdfReader:
    data = read_bytes(path)
    if b"%PDF-" not in data[:1024]:
        raise LoadError(str(path), "corrupt or not a PDF: no %PDF- header")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except EmptyFileError as exc:
        raise LoadError(str(path), "empty file") from exc
    except Exception as exc:  # pypdf raises many types on damaged input
        raise LoadError(str(path), f"corrupt or not a PDF: {exc}") from exc
    if encrypted:
        _decrypt_without_password(reader, path)
    return reader


def _decrypt_without_password(reader: PdfReader, path: Path) -> None:
    """Many PDFs carry only an owner password (print/copy restrictions) and open with ""."""
    try:
        result = reader.decrypt("")
    except DependencyError as exc:
        raise LoadError(str(path), f"{ENCRYPTED}; or install the missing dependency ({exc})") from exc
    except Exception as exc:
        raise LoadError(str(path), f"{ENCRYPTED} ({exc})") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise LoadError(str(path), ENCRYPTED)
    log.debug("%s: opened an owner-password-only PDF with the empty user password", path)


def _extract_pages(reader: PdfReader, path: Path) -> list[str]:
    """Raw text of every page; a page whose extraction fails is logged and counted as empty."""
    texts: list[str] = []
    failures: list[str] = []
    try:
        pages = list(reader.pages)
    except FileNotDecryptedError as exc:
        raise LoadError(str(path), ENCRYPTED) from exc
    except Exception as exc:
        raise LoadError(str(path), f"corrupt or not a PDF: {exc}") from exc
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one damaged page must not hide the others
            failures.append(f"page {number}: {exc}")
            texts.append("")
    if failures and len(failures) == len(pages):
        raise LoadError(str(path), f"corrupt or not a PDF: {failures[0]}")
    for failure in failures:
        log.warning("%s: could not extract text from %s", path, failure)
    return texts


def load_pdf(path: Path) -> LoadedText:
    """A PDF's text layer, cleaned, with page_starts; LoadError for scanned/encrypted/corrupt files."""
    raw_pages = _extract_pages(_open(path), path)
    if not raw_pages:
        raise LoadError(str(path), "empty file (the PDF has no pages)")
    pages = [page_lines(raw) for raw in raw_pages]
    if not any(pages):
        raise LoadError(str(path), NO_TEXT_LAYER)
    blank = [str(i) for i, lines in enumerate(pages, start=1) if not lines]
    if blank:
        log.warning(
            "%s: pages %s have no text layer (scanned?); their content is missing", path, ", ".join(blank)
        )
    text, starts = join_pages(strip_running_lines(pages))
    ensure_not_empty(path, text, "no body text left after removing running headers and page numbers")
    return LoadedText(text=text, page_starts=starts)
