"""The LightGBM adapter: the only module that imports lightgbm."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np

_BRIDGES = ("sklearn", "pandas", "pyarrow", "dask")  # optional integrations lightgbm probes at import


def _lightgbm() -> ModuleType:
    """lightgbm, imported without its optional scikit-learn / pandas bridges.

    lightgbm imports all of scikit-learn and pandas when they are installed (about 2 s, most of
    the engine's cold start) only to offer estimators and DataFrame input; scoring and training
    here use the Booster API on numpy arrays alone. While lightgbm is first imported, each bridge
    nothing has loaded yet is set to None in sys.modules, so its import fails and lightgbm records
    it as absent; the entries are removed afterwards, so the packages stay importable.
    """
    if "lightgbm" in sys.modules:
        return sys.modules["lightgbm"]
    blocked = [name for name in _BRIDGES if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import lightgbm
    finally:
        for name in blocked:
            del sys.modules[name]
    return lightgbm


def predictor(model_text: str) -> Callable[[np.ndarray], np.ndarray]:
    """A thread-safe scoring function for a booster saved as text (one thread per call)."""
    booster = _lightgbm().Booster(model_str=model_text)

    def predict(matrix: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(matrix, num_threads=1), dtype=np.float64)

    return predict


def fit_lambdarank(
    x: np.ndarray, y: np.ndarray, group_sizes: Sequence[int], params: dict, rounds: int
) -> str:
    """Fit a LambdaMART booster on rows grouped by question (contiguous); returns its text."""
    lightgbm = _lightgbm()
    dataset = lightgbm.Dataset(x, y, group=list(group_sizes), free_raw_data=False)
    booster = lightgbm.train(params, dataset, rounds)
    return booster.model_to_string()
