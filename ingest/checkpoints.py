"""Named checkpoints in an ingest, so a test can kill it at an exact moment (off by default).

Off unless the environment variable ``REGKB_INGEST_CHECKPOINTS`` is ``"<out>,<in>"``: two pipe
file descriptors the ingest process inherits (tests/ingest/test_atomic.py passes them). Then
each ``checkpoint(name)`` writes the name and a newline to ``<out>`` and waits for one byte on
``<in>`` before the ingest goes on; end of file on ``<in>`` lets it run on unpaused. Off, a
checkpoint is one comparison with None. Never set it outside tests: an ingest would stop at its
first checkpoint.
"""

from __future__ import annotations

import os

from regkb.errors import ConfigError

ENV = "REGKB_INGEST_CHECKPOINTS"


def _pipes(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        out, inp = (int(fd) for fd in value.split(","))
    except ValueError:
        raise ConfigError(f"{ENV}={value!r}: expected two file descriptors '<out>,<in>'; unset it") from None
    os.set_inheritable(out, False)  # a child process of the ingest must not hold the test's pipes open
    os.set_inheritable(inp, False)
    return out, inp


_PIPES = _pipes(os.environ.get(ENV))


def checkpoint(name: str) -> None:
    """Report reaching `name` and wait to be resumed (a no-op unless REGKB_INGEST_CHECKPOINTS is set)."""
    global _PIPES
    if _PIPES is None:
        return
    out, inp = _PIPES
    os.write(out, name.encode("ascii") + b"\n")
    if not os.read(inp, 1):
        _PIPES = None  # the test let go: run on
