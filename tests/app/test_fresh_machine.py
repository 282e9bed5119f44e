"""What a new machine meets: the browser test's skip rule, the app's bind address, the license."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _browser_run(env_require: str | None, chromium: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "REGKB_CHROMIUM": chromium, "PYTHONPATH": str(REPO)}
    if env_require is not None:
        env["REGKB_REQUIRE_BROWSER"] = env_require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/app/test_browser.py", "-rs", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_browser_test_skips_with_the_install_command_where_there_is_no_chromium() -> None:
    result = _browser_run(None, "/nonexistent/chromium")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout
    assert "apt-get install -y chromium chromium-driver" in result.stdout


def test_ci_requires_the_browser_so_a_missing_one_fails() -> None:
    result = _browser_run("1", "/nonexistent/chromium")
    assert result.returncode == 1, result.stdout[-2000:]
    assert "REGKB_REQUIRE_BROWSER=1 but /nonexistent/chromium" in result.stdout
    assert "export REGKB_REQUIRE_BROWSER=1" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_app_binds_to_localhost_unless_configured() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "ADDRESS ?= 127.0.0.1" in makefile
    assert "--server.address $(ADDRESS)" in makefile


def test_license_is_an_spdx_string() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"][0]
