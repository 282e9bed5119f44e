"""Build the DOCX and PDF sample documents under corpus/internal/ from their Markdown sources.

The fictional internal rules of 示例消费金融有限公司 are written as Markdown under corpus/_src/
(the ingester skips directories whose names start with "_"). Two of them ship as binary files so
that a fresh checkout exercises both the DOCX and the PDF loader:

    python scripts/build_sample_docs.py            # writes corpus/internal/*.docx and *.pdf
    python scripts/build_sample_docs.py --out DIR  # writes them into DIR instead

Output is reproducible: fixed document dates, fixed zip timestamps and reportlab's invariant mode,
so re-running gives the same bytes for the same library versions.
"""

from __future__ import annotations

import argparse
import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph, SimpleDocTemplate, Spacer

log = logging.getLogger("build_sample_docs")

ROOT = Path(__file__).resolve().parents[1]
SRC_DIR = ROOT / "corpus" / "_src"
OUT_DIR = ROOT / "corpus" / "internal"
# (source slug, output format); the output is <OUT_DIR>/<slug>.<format>.
TARGETS: tuple[tuple[str, str], ...] = (
    ("complaint-handling", "docx"),
    ("personal-information-protection", "pdf"),
)
AUTHOR = "regkb team (fictional sample)"
FIXED_DATE = datetime(2025, 1, 1, 0, 0, 0)
ZIP_DATE = (2025, 1, 1, 0, 0, 0)
CJK_FONT = "STSong-Light"


@dataclass(frozen=True, slots=True)
class Block:
    """One line of the source: kind is "title", "chapter" or "para"."""

    kind: str
    text: str


def parse_markdown(text: str) -> list[Block]:
    """'# ' -> title, '## ' -> chapter, any other non-blank line -> paragraph."""
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            blocks.append(Block("chapter", line[3:].strip()))
        elif line.startswith("# "):
            blocks.append(Block("title", line[2:].strip()))
        else:
            blocks.append(Block("para", line))
    if not blocks or blocks[0].kind != "title":
        raise ValueError("a sample source must start with a '# ' title line")
    return blocks


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip package with constant timestamps so identical content gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    return out.getvalue()


def build_docx(blocks: list[Block], dest: Path) -> None:
    """Title, chapters and articles each as one paragraph; East Asian font set to 宋体."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    styles = {"title": "Title", "chapter": "Heading 1", "para": "Normal"}
    for block in blocks:
        document.add_paragraph(block.text, style=styles[block.kind])
    props = document.core_properties
    props.title = blocks[0].text
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    dest.write_bytes(_fixed_zip(buffer.getvalue()))


def _pdf_styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=CJK_FONT, fontSize=11, leading=18, wordWrap="CJK", spaceAfter=5)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=17, leading=26, alignment=TA_CENTER, spaceAfter=10
        ),
        "chapter": ParagraphStyle(
            "chapter", parent=base, fontSize=13, leading=22, alignment=TA_CENTER, spaceBefore=8
        ),
        "para": base,
    }


def _footer(canvas: Canvas, doc: BaseDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(CJK_FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {doc.page} —")
    canvas.restoreState()


def build_pdf(blocks: list[Block], dest: Path) -> None:
    """A4, STSong-Light, paragraphs wrapped by reportlab (so sentences break across lines), page footer."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    styles = _pdf_styles()
    story: list[Flowable] = [Spacer(1, 2 * mm)]
    for block in blocks:
        story.append(Paragraph(escape(block.text), styles[block.kind]))
    doc = SimpleDocTemplate(
        str(dest),
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=blocks[0].text,
        author=AUTHOR,
        creator="scripts/build_sample_docs.py",
        invariant=1,
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)


def build_all(out_dir: Path = OUT_DIR, src_dir: Path = SRC_DIR) -> list[Path]:
    """Build every target into out_dir; returns the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for slug, fmt in TARGETS:
        blocks = parse_markdown((src_dir / f"{slug}.md").read_text(encoding="utf-8"))
        dest = out_dir / f"{slug}.{fmt}"
        (build_docx if fmt == "docx" else build_pdf)(blocks, dest)
        log.info("wrote %s (%d bytes)", dest, dest.stat().st_size)
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help="output directory (default corpus/internal)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build_all(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
