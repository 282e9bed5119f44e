"""`regkb ingest` / `python -m ingest`: arguments, output and exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ingest.__main__ import main
from ingest.cli import register
from regkb.index import IndexReader
from tests.ingest.factory import small_corpus

REPORT_KEYS = {
    "index_dir", "generation", "committed", "roots", "channels", "files_ok", "files_failed", "superseded",
    "warnings", "documents", "passages", "added", "updated", "removed", "unchanged", "embedded",
    "embedded_total", "seconds", "passages_per_second", "rebuild",
}  # fmt: skip


def test_json_report_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_corpus(tmp_path / "corpus")
    code = main([str(tmp_path / "corpus"), "--index", str(tmp_path / "idx"), "--dense", "hash", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == REPORT_KEYS
    assert (report["documents"], report["passages"], report["added"], report["embedded"]) == (
        3,
        12,
        12,
        {"hash": 12},
    )
    assert report["files_failed"] == [] and report["committed"] is True
    assert report["passages_per_second"] > 0


def test_defaults_come_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGKB_DENSE", '["hash"]')
    monkeypatch.delenv("REGKB_INDEX_DIR", raising=False)
    monkeypatch.delenv("REGKB_CORPUS_ROOTS", raising=False)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "passages   12 added, 0 updated, 0 removed, 0 unchanged" in out
    assert IndexReader.open(tmp_path / ".regkb").channels == ["hash"]


def test_strict_failure_exits_1_and_keeps_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_corpus(tmp_path / "corpus")
    args = [str(tmp_path / "corpus"), "--index", str(tmp_path / "idx"), "--dense", "hash"]
    assert main(args) == 0
    before = IndexReader.current_generation(tmp_path / "idx")
    (tmp_path / "corpus" / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    assert main([*args, "--strict"]) == 1
    assert "FAILED     corpus/bad.pdf" in capsys.readouterr().out
    assert IndexReader.current_generation(tmp_path / "idx") == before
    assert main(args) == 0  # without --strict the bad file is only reported
    assert IndexReader.current_generation(tmp_path / "idx") != before


@pytest.mark.parametrize("dense", ["nosuchmodel", ","])
def test_config_errors_exit_2(tmp_path: Path, dense: str, capsys: pytest.CaptureFixture[str]) -> None:
    small_corpus(tmp_path / "corpus")
    assert main([str(tmp_path / "corpus"), "--index", str(tmp_path / "idx"), "--dense", dense]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ingest: ") and "dense" in err
    assert IndexReader.current_generation(tmp_path / "idx") is None


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--no-such-flag"])
    assert raised.value.code == 2


def test_missing_path_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "absent"), "--index", str(tmp_path / "idx"), "--dense", "hash"]) == 2
    assert "absent: no such file or directory" in capsys.readouterr().err


def test_register_adds_the_subcommand() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ingest", "a", "b", "--rebuild", "--strict", "--json", "--dense", "e5,use"])
    assert (args.paths, args.rebuild, args.strict, args.json, args.dense) == (
        [Path("a"), Path("b")], True, True, True, "e5,use",
    )  # fmt: skip
    assert callable(args.func)


def test_progress_bars_track_files_and_embedding(capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.cli import _Bars

    bars = _Bars()
    for done in range(4):
        bars("files", done, 3)
    bars("embed:hash", 0, 130)
    bars("embed:hash", 64, 130)
    bars("embed:hash", 130, 130)
    counts = {stage: (bar.n, bar.total) for stage, bar in bars._bars.items()}
    bars.close()
    assert counts == {"files": (3, 3), "embed:hash": (130, 130)}
    err = capsys.readouterr().err
    assert "files" in err and "embed:hash" in err and "passage" in err
