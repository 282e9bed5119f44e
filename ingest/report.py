"""The ingest report: what was read, what failed and why, and what changed in the index."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FileFailure:
    file: str  # "<root>/<doc_id>"
    reason: str
    kept_previous: bool = False  # the previous generation's passages of this file were kept


@dataclass(frozen=True, slots=True)
class Superseded:
    file: str  # the version not indexed
    title: str
    by: str  # the version indexed instead


@dataclass(frozen=True, slots=True)
class IngestReport:
    index_dir: str
    generation: str | None  # None when nothing was committed (--strict and a failure)
    roots: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    files_ok: tuple[str, ...] = ()
    files_failed: tuple[FileFailure, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    warnings: tuple[str, ...] = ()
    documents: int = 0
    passages: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: Mapping[str, int] = field(default_factory=dict)  # channel -> texts embedded
    seconds: float = 0.0
    rebuild: bool = False

    @property
    def committed(self) -> bool:
        return self.generation is not None

    @property
    def embedded_total(self) -> int:
        return sum(self.embedded.values())

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["embedded"] = dict(self.embedded)
        data["committed"] = self.committed
        data["embedded_total"] = self.embedded_total
        data["passages_per_second"] = round(self.passages_per_second, 2)
        data["seconds"] = round(self.seconds, 3)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def format_text(self) -> str:
        lines = [
            f"index      {self.index_dir} (generation {self.generation or 'not written'})",
            f"files      {len(self.files_ok)} ok, {len(self.files_failed)} failed, "
            f"{len(self.superseded)} superseded",
            f"documents  {self.documents}, passages {self.passages}",
            f"passages   {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged",
            "embedded   "
            + (", ".join(f"{n} {c}" for c, n in self.embedded.items()) or "0")
            + f" (channels: {', '.join(self.channels) or 'none'})",
            f"time       {self.seconds:.1f} s, {self.passages_per_second:.1f} passages/s",
        ]
        for failure in self.files_failed:
            kept = " (previous version kept)" if failure.kept_previous else ""
            lines.append(f"FAILED     {failure.file}: {failure.reason}{kept}")
        lines.extend(f"superseded {s.file} by {s.by} ({s.title})" for s in self.superseded)
        lines.extend(f"warning    {w}" for w in self.warnings)
        if not self.committed:
            lines.append("the index was not changed (--strict and a file failed)")
        return "\n".join(lines)
