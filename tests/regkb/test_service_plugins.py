"""regkb.service.plugins: what the core borrows from ingest, found through entry points only."""

from __future__ import annotations

import ast
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from regkb.errors import ConfigError, RegkbError
from regkb.service import plugins

REPO = Path(__file__).resolve().parents[2]


def test_the_registered_entry_points_are_the_ingest_functions() -> None:
    from ingest.loaders import SUPPORTED_SUFFIXES, load_file
    from ingest.pipeline import ingest_paths

    assert plugins.ingest_function() is ingest_paths
    assert plugins.borrowed(plugins.READERS, "text") is load_file
    assert plugins.supported_suffixes() == SUPPORTED_SUFFIXES and ".docx" in plugins.supported_suffixes()


def test_an_unregistered_entry_point_names_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"'regkb\.readers:nonesuch' is not registered; reinstall regkb"):
        plugins.borrowed(plugins.READERS, "nonesuch")


def _registered(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    point = EntryPoint(name="thing", value=value, group="regkb.test")
    monkeypatch.setattr(plugins, "entry_points", lambda group: [point] if group == "regkb.test" else [])


def test_a_missing_package_is_a_config_error_naming_it(monkeypatch) -> None:
    _registered(monkeypatch, "regkb_absent_pkg.loaders:load")
    with pytest.raises(ConfigError, match="package 'regkb_absent_pkg' is not installed"):
        plugins.borrowed("regkb.test", "thing")


def test_a_broken_import_inside_an_installed_package_is_not_hidden(monkeypatch, tmp_path) -> None:
    package = tmp_path / "regkb_buggy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("import regkb_typo_dependency\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    _registered(monkeypatch, "regkb_buggy_pkg:load")
    with pytest.raises(ModuleNotFoundError) as caught:
        plugins.borrowed("regkb.test", "thing")
    assert caught.value.name == "regkb_typo_dependency"


def test_read_text_and_read_upload_use_the_loaders(tmp_path) -> None:
    path = tmp_path / "policy.md"
    path.write_text("\ufeff第一条　催收应当文明。  \r\n", encoding="utf-8")
    assert plugins.read_text(path) == "第一条　催收应当文明。"  # normalised by the loader
    assert plugins.read_upload("../../etc/policy.txt", "第二条 不得威胁。".encode()) == "第二条 不得威胁。"
    with pytest.raises(RegkbError, match="no such file; check the path"):
        plugins.read_text(tmp_path / "absent.docx")
    with pytest.raises(RegkbError, match="no file name"):
        plugins.read_upload("..", b"x")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_app_and_core_import_nothing_from_ingest_and_only_app_imports_streamlit() -> None:
    app = _imports(REPO / "app.py")
    assert not {m for m in app if m.split(".")[0] in ("ingest", "evals")}
    for path in sorted((REPO / "regkb").rglob("*.py")):
        modules = _imports(path)
        assert not {m for m in modules if m.split(".")[0] in ("ingest", "evals", "streamlit")}, path
    assert len((REPO / "app.py").read_text(encoding="utf-8").splitlines()) <= 300


def test_regkb_check_reads_its_file_through_the_readers_entry_point(tmp_path, capsys) -> None:
    from regkb.cli import main
    from regkb.commands.check import read_policy

    policy = tmp_path / "policy.txt"
    policy.write_text("第一条 催收人员应当礼貌沟通。\r\n", encoding="utf-8")
    assert read_policy(policy) == "第一条 催收人员应当礼貌沟通。"
    assert main(["check", "--file", str(tmp_path / "absent.docx"), "--index", str(tmp_path / "ix")]) == 2
    assert "absent.docx: no such file; check the path" in capsys.readouterr().err
