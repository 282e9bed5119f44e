"""Non-file sources: documents the ingest imports from somewhere other than a corpus directory.

``load_sources(corpus_root)`` reads ``<corpus_root>/sources.toml`` when it exists and returns every
document it names (today: the statute pack, see ``ingest.sources.statutes``). ``statutes="all"``
(``regkb ingest --statutes all``) takes every law of the statute database instead of the listed ones.
"""

from __future__ import annotations

from pathlib import Path

from regkb.types import SourceDocument

SOURCES_FILE = "sources.toml"


def load_sources(corpus_root: Path, statutes: str | None = None) -> list[SourceDocument]:
    """The documents ``<corpus_root>/sources.toml`` names; [] when the root has no such file."""
    path = Path(corpus_root) / SOURCES_FILE
    if not path.is_file():
        return []
    from ingest.sources.statutes import load_statutes

    return load_statutes(path, include=statutes)


def load_book() -> list[SourceDocument]:
    """Every law of the bundled statute database (for ``--statutes all`` without a sources.toml)."""
    from ingest.sources.statutes import load_book as book

    return book()
