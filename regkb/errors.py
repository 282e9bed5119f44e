"""Errors that say what happened and what to do about it."""

from __future__ import annotations


class RegkbError(Exception):
    """Base of every error regkb raises on purpose."""


class LoadError(RegkbError):
    """A source file could not be read; the message names the file and the fix."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MetadataError(RegkbError):
    """Invalid metadata: names the file and the field."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        super().__init__(f"{path}: metadata field '{field}': {reason}")
        self.path = path
        self.field = field
        self.reason = reason


class IndexMissingError(RegkbError):
    """No usable index at the given directory."""

    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"no index at {index_dir}: run `regkb ingest` (or `regkb ingest --index {index_dir}`) first"
        )
        self.index_dir = index_dir


class IndexMismatchError(RegkbError):
    """The index was built with other settings than the ones in force."""


class ConfigError(RegkbError):
    """A settings or data file (aliases, red lines, sources) is invalid."""


class InputError(RegkbError):
    """A request field is invalid (HTTP 400); the message names the field and the fix."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"field '{field}': {reason}")
        self.field = field
        self.reason = reason


class NotFoundError(RegkbError):
    """The requested document or article is not in the index (HTTP 404)."""
