"""Links between the app's pages, as changes to the session state (any mutable mapping).

Streamlit keeps widget values in ``st.session_state`` by key; these functions set those keys
from a link or a typed reference, so the navigation is plain code tests drive with a dict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, MutableMapping
from typing import Any

from regkb.feedback import FeedbackStore
from regkb.service.app_service import Library, locate

State = MutableMapping[Any, Any]  # st.session_state in the app, a dict in tests


def session_id(state: State) -> str:
    """A random id for this browser session (made on its first run), written with every audit record."""
    return str(state.setdefault("session_id", uuid.uuid4().hex))


def follow_page_link(state: State, query: Mapping[str, str], pages: Collection[str]) -> str:
    """The page the address names (?page=...), selected once per new address; returns it ("qa" if none)."""
    wanted = query.get("page", "qa")
    if state.get("_page_param") != wanted and wanted in pages:
        state["page"] = wanted
    state["_page_param"] = wanted
    return wanted


def apply_link(state: State, query: Mapping[str, str], doc_ids: Collection[str]) -> None:
    """A citation link (?doc=...&article=...) selects its document and article once."""
    link = (query.get("doc"), query.get("article", ""))
    if link[0] in doc_ids and state.get("_browse_link") != link:
        state["browse_doc"], state["browse_jump"] = link
    state["_browse_link"] = link


def apply_reference(state: State, library: Library) -> None:
    """The 条文定位 box changed: open the provision it names, or keep a message saying why not."""
    found = locate(library, state.get("browse_ref", ""))
    if found.doc_id:
        state["browse_doc"], state["browse_jump"] = found.doc_id, found.article
    if found.doc_id or found.message:
        state["browse_msg"] = found.message


def on_reference(state: State, library: Library) -> Callable[[], None]:
    """apply_reference as the 条文定位 box's on_change callback."""
    return lambda: apply_reference(state, library)


def show_focus(state: State, query: MutableMapping[str, str], doc_id: str, article: str) -> None:
    """The article shown in focus becomes the address (?page=browse&doc=…&article=…), a link to share.

    It is recorded as our own link, so apply_link does not take it for a new one on the next run.
    """
    query.update(page="browse", doc=doc_id, article=article)
    state["_browse_link"] = (doc_id, article)


def rater(state: State, feedback: FeedbackStore) -> Callable[[int, int], None]:
    """The 有用 / 没用 buttons' callback: store the rating of turn index once, remember it was given."""

    def rate(index: int, rating: int) -> None:
        feedback.record(state["turns"][index], rating)
        state.setdefault("rated", {})[index] = rating

    return rate
