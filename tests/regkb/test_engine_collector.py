"""Engine.open pauses the cyclic garbage collector while it loads, and always resumes it."""

from __future__ import annotations

import gc

import pytest

from regkb.engine import _collector_paused


def test_collector_is_paused_while_loading_and_resumed_after() -> None:
    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_resumes_when_loading_fails() -> None:
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("index unreadable")
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        with _collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
