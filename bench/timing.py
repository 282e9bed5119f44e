"""Wall seconds spent inside chosen functions, summed per label (for the bench scripts' breakdowns)."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any


def timed(spent: dict[str, float], label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` adding its wall time to ``spent[label]`` on every call."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

    return wrapper


def wrap(spent: dict[str, float], label: str, owner: Any, name: str) -> None:
    """Replace ``owner.name`` (a function, method or classmethod) by its timed version."""
    raw = inspect.getattr_static(owner, name)  # a classmethod stays one (inherited ones too)
    if isinstance(raw, classmethod):
        setattr(owner, name, classmethod(timed(spent, label, raw.__func__)))
    else:
        setattr(owner, name, timed(spent, label, raw))
