"""File loaders: one adapter per format, each turning a source file into normalised text.

``load_file`` dispatches on the suffix. Every adapter returns a ``LoadedText`` whose text uses
"\\n" newlines, has no BOM or NUL characters and no trailing spaces on any line. Failures raise
``regkb.errors.LoadError`` naming the file and the reason.

Each third-party SDK lives in exactly one adapter (pypdf in ``pdf``, python-docx in ``docx``,
BeautifulSoup in ``html``); the adapters are imported lazily so loading Markdown never pays for
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regkb.errors import LoadError

__all__ = ["SUPPORTED_SUFFIXES", "LoadedText", "load_file", "normalise_text"]

# A regex character class of CJK ideographs and full-width punctuation/forms.
CJK = "[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"


@dataclass(frozen=True, slots=True)
class LoadedText:
    """The body of one source file, normalised, plus what the format told us beside it."""

    text: str  # normalised body: "\n" newlines, no BOM, no NULs, trailing spaces stripped per line
    page_starts: tuple[int, ...] = ()  # PDF: char offset in text where page i+1 starts
    front_matter: Mapping[str, Any] = field(default_factory=dict)  # Markdown YAML front matter


SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm"})

_NEWLINES = re.compile(r"\r\n|\r|\f|\v|\u2028|\u2029|\x85")


def normalise_text(text: str) -> str:
    """ "\\n" newlines, no BOM/NUL, no trailing whitespace per line, no leading/trailing blank lines."""
    text = _NEWLINES.sub("\n", text).replace("\ufeff", "").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def ensure_not_empty(path: Path, text: str, what: str = "empty file") -> None:
    """Raise LoadError(path, what) when text holds nothing but whitespace."""
    if not text.strip():
        raise LoadError(str(path), what)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; an unreadable or 0-byte file raises LoadError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(str(path), f"cannot read the file: {exc.strerror or exc}") from exc
    if not data:
        raise LoadError(str(path), "empty file")
    return data


def _loader_for(suffix: str) -> Callable[[Path], LoadedText]:
    if suffix in (".md", ".markdown"):
        from ingest.loaders.text import load_markdown

        return load_markdown
    if suffix == ".txt":
        from ingest.loaders.text import load_plain_text

        return load_plain_text
    if suffix == ".pdf":
        from ingest.loaders.pdf import load_pdf

        return load_pdf
    if suffix == ".docx":
        from ingest.loaders.docx import load_docx

        return load_docx
    from ingest.loaders.html import load_html

    return load_html


MAX_FILE_MB = 50.0  # default of REGKB_MAX_FILE_MB


def check_size(path: Path, max_mb: float = MAX_FILE_MB) -> None:
    """Refuse a file over the size limit before reading it."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the adapter reports the unreadable file
    if size > max_mb * 2**20:
        raise LoadError(
            str(path),
            f"file is {size / 2**20:.1f} MB, over the {max_mb:g} MB limit; "
            "split it or raise REGKB_MAX_FILE_MB",
        )


def load_file(path: Path, max_mb: float = MAX_FILE_MB) -> LoadedText:
    """Load one source file, choosing the adapter by its (case-insensitive) suffix."""
    check_size(path, max_mb)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        shown = suffix or "(none)"
        raise LoadError(
            str(path),
            f"unsupported file type {shown}; supported suffixes: {supported} (convert the file first)",
        )
    return _loader_for(suffix)(path)
