"""Fixed train / validation splits of every question set, by a hash of the question id.

A question's split depends on its id alone, so the same STARD question falls on the same
side in corpus-train, book-train and pairs-train, and adding questions to a set never moves
the old ones. Everything that is tuned or trained (the ranker, the refusal calibration, the
dense adapter, vocabulary entries) reads only the train side; reports give validation.

The assignment is committed as ``evals/splits/<set>.json`` (``python -m evals.splits``
writes them) and a test checks that the files agree with the hash, so the split cannot
drift silently.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

SALT = "regkb-split-v1"
VALIDATION_PERCENT = 30  # of every set
REPO = Path(__file__).resolve().parents[1]
SPLITS_DIR = REPO / "evals" / "splits"


def split_of(question_id: str) -> str:
    """'train' or 'val' for a question id (stable across sets and runs)."""
    digest = hashlib.sha256(f"{SALT}:{question_id}".encode()).digest()
    return "val" if int.from_bytes(digest[:4], "big") % 100 < VALIDATION_PERCENT else "train"


def ids_in(ids: Iterable[str], split: str) -> list[str]:
    if split not in ("train", "val", "all"):
        raise ValueError(f"split must be 'train', 'val' or 'all', not {split!r}")
    return [i for i in ids if split == "all" or split_of(i) == split]


def read_ids(path: Path) -> list[str]:
    """The ids of a JSONL question file, in file order."""
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            ids.append(str(json.loads(line)["id"]))
    return ids


def split_record(name: str, path: Path) -> dict:
    ids = read_ids(path)
    return {
        "set": name,
        "source": path.name,
        "salt": SALT,
        "validation_percent": VALIDATION_PERCENT,
        "train": ids_in(ids, "train"),
        "val": ids_in(ids, "val"),
    }


def question_sets(shared: Path) -> dict[str, Path]:
    """Every question set the project measures on, by name."""
    own = REPO / "evals" / "questions"
    sets = {
        "dev": shared / "evals" / "dev.jsonl",
        "stard-corpus": shared / "evals" / "stard" / "corpus-train.jsonl",
        "stard-book": shared / "evals" / "stard" / "book-train.jsonl",
        "stard-pairs": shared / "evals" / "stard" / "pairs-train.jsonl",
    }
    sets.update({p.stem: p for p in sorted(own.glob("*.jsonl"))})
    return {name: path for name, path in sets.items() if path.is_file()}


def write_all(shared: Path, out: Path = SPLITS_DIR) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in question_sets(shared).items():
        target = out / f"{name}.json"
        target.write_text(
            json.dumps(split_record(name, path), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    from evals.paths import SHARED

    args = list(sys.argv[1:] if argv is None else argv)
    shared = Path(args[0]) if args else SHARED
    for path in write_all(shared):
        record = json.loads(path.read_text(encoding="utf-8"))
        print(f"{path.name}: train {len(record['train'])}, val {len(record['val'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
