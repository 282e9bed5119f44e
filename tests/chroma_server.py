"""A real chroma server (`chroma run`) on a free localhost port, for the client/server tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, wait_until_ok

CHROMA = Path(sys.executable).with_name("chroma")


def start(data: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """Start `chroma run --path data` on a free port; returns its URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{url}/api/v2/heartbeat", proc, "chroma run")
    except BaseException:
        stop(proc)
        raise
    return url, proc


def stop(proc: subprocess.Popen[bytes], kill: bool = False) -> None:
    """Stop the server: SIGTERM (SIGKILL with kill=True, or when it does not exit in 20 s)."""
    if kill:
        proc.kill()
    else:
        proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    url, proc = start(data)
    try:
        yield url
    finally:
        stop(proc)
