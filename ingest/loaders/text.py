"""Plain text and Markdown: encoding detection (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030/GBK, Big5)
and Markdown YAML front matter."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from ingest.loaders import LoadedText, ensure_not_empty, normalise_text, read_bytes
from regkb.errors import LoadError
from regkb.numerals import DECIMAL_NUMBER, NUMERAL_CLASS

log = logging.getLogger(__name__)

# Share of control characters (other than tab/newline) above which decoded bytes are binary junk.
_MAX_CONTROL_SHARE = 0.02
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return controls / len(text)


def _strict_decode(data: bytes) -> tuple[str, str] | None:
    """Decode with a BOM's codec, else strict UTF-8, else strict GB18030 (a superset of GBK/GB2312)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    for codec in ("utf-8", _chinese_codec(data)):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return None


def _chinese_codec(data: bytes) -> str:
    """gb18030, or big5 when the bytes are valid Big5 that charset-normalizer prefers as such."""
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return "gb18030"
    best = from_bytes(data[:65536], cp_isolation=["gb18030", "big5"]).best()
    return "big5" if best is not None and best.encoding == "big5" else "gb18030"


def decode_bytes(data: bytes, path: Path, declared: str | None = None) -> str:
    """Text of data; tries a declared charset first, then BOMs, UTF-8, GB18030, then charset-normalizer.

    Raises LoadError when nothing yields plausible text (binary content under a text suffix).
    """
    decoded: tuple[str, str] | None = None
    if declared:
        try:
            decoded = data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            log.debug("%s: declared charset %s does not decode it; detecting", path, declared)
    decoded = decoded or _strict_decode(data)
    if decoded is None or _control_share(decoded[0]) > _MAX_CONTROL_SHARE:
        best = from_bytes(data).best()  # e.g. UTF-16 without a BOM
        if best is not None:
            decoded = str(best), best.encoding
    if decoded is None or _control_share(decoded[0]) > _MAX_CONTROL_SHARE:
        raise LoadError(
            str(path),
            "cannot decode the text (binary content?); save it as UTF-8 or GB18030 text",
        )
    log.debug("%s: decoded as %s", path, decoded[1])
    return decoded[0]


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Split a leading YAML block between '---' lines off text; ({}, text) when there is none."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise LoadError(
            str(path), f"invalid YAML front matter: {exc}; fix the block between the leading '---' lines"
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LoadError(
            str(path),
            f"YAML front matter must be a mapping of field: value, got {type(data).__name__}",
        )
    return {str(key): value for key, value in data.items()}, text[match.end() :]


def _read_text(path: Path) -> str:
    text = normalise_text(decode_bytes(read_bytes(path), path))
    ensure_not_empty(path, text)
    return text


def load_plain_text(path: Path) -> LoadedText:
    """A .txt file: decoded and normalised, nothing else."""
    return LoadedText(text=_read_text(path))


# Bold and bold italic emphasis (**第一条**, ***第一条***): formatting, not words of the text.
# Underscores are left alone: in a policy they are mostly blanks to fill in (日期____年__月__日).
_EMPHASIS = re.compile(r"(\*{2,3})(?=[^\s*])(.+?)(?<=[^\s*])\1")
# A heading marker before a clause's own label (### 第一条 目的, ### 2.3 通话时间): the label then
# opens the clause, as in a policy typed without Markdown, instead of naming a section. List
# bullets and quote markers stay: 「- 1.3前完成对账」 is an item and 「> 第十条 ……」 quotes another text.
_LABEL_MARKUP = re.compile(
    rf"^#{{1,6}}[ \t　]*(?=第(?:{NUMERAL_CLASS}|\d)+条|{DECIMAL_NUMBER}(?:[.．、]?)[ \t　]*\S)"
)


def markdown_text(body: str) -> str:
    """The text of a Markdown body for the structure parser: bold markers removed, and a heading
    marker before a clause's label (### 第一条 / ### 2.3) dropped; other '#' headings kept."""
    body = _EMPHASIS.sub(r"\2", body)
    return "\n".join(_LABEL_MARKUP.sub("", line) for line in body.split("\n"))


def load_markdown(path: Path) -> LoadedText:
    """A Markdown file: decoded, front matter parsed and removed, bold markers and the markup before
    clause labels removed (markdown_text); other '#' heading markers kept."""
    front_matter, body = split_front_matter(_read_text(path), path)
    body = normalise_text(markdown_text(body))
    ensure_not_empty(path, body, "empty file (nothing after the front matter)")
    return LoadedText(text=body, front_matter=front_matter)
