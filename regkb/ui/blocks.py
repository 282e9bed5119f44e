"""What app.py puts on a page, as data: a list of blocks, each naming the Streamlit call that shows it.

    Block("html", markup)          st.markdown(markup, unsafe_allow_html=True)
    Block("markdown", text)        st.markdown(text)   (also caption / info / warning / error / success)
    Block("error", text, "⚠️")      st.error(text, icon="⚠️")
    Block("code", text)            st.code(text, language=None)
    Block("subheader", text)       st.subheader(text)
    Table(rows)                    st.dataframe(rows, hide_index=True)
    Image(path, caption)           st.image(path, caption=caption)
    Group(blocks, label="…")       blocks inside st.expander(label); no label: a bordered st.container

The helpers of regkb.ui build these lists from engine values, so a page's whole display is a
value tests compare exactly; app.py renders any list with one loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regkb.errors import IndexMissingError, RegkbError

KINDS = frozenset({"html", "markdown", "code", "subheader", "caption", "info", "warning", "error", "success"})


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # one of KINDS
    text: str
    icon: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Block kind {self.kind!r}: use one of {', '.join(sorted(KINDS))}")


@dataclass(frozen=True, slots=True)
class Table:
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Image:
    path: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    blocks: tuple[Item, ...]
    label: str = ""  # "" = a bordered box, else a collapsible section with this title
    expanded: bool = False


Item = Block | Table | Image | Group
View = list[Item]


def texts(view: View, kind: str | None = None) -> list[str]:
    """Every block's text in display order (of one kind when given), groups opened: for tests and logs."""
    out: list[str] = []
    for item in view:
        if isinstance(item, Group):
            out += texts(list(item.blocks), kind)
        elif isinstance(item, Block) and (kind is None or item.kind == kind):
            out.append(item.text)
    return out


def error_block(exc: RegkbError) -> Block:
    """A regkb error as the page shows it; a missing index says how to build one."""
    if isinstance(exc, IndexMissingError):
        return Block(
            "error",
            f"知识库索引尚未建立：{exc}\n\n请先运行 `regkb ingest`，或由管理员在「知识库」页上传文件入库。",
        )
    return Block("error", f"出错了：{exc}")
