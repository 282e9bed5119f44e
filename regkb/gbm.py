"""The LightGBM adapter: the only module that imports lightgbm."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def predictor(model_text: str) -> Callable[[np.ndarray], np.ndarray]:
    """A thread-safe scoring function for a booster saved as text (one thread per call)."""
    import lightgbm

    booster = lightgbm.Booster(model_str=model_text)

    def predict(matrix: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(matrix, num_threads=1), dtype=np.float64)

    return predict


def fit_lambdarank(
    x: np.ndarray, y: np.ndarray, group_sizes: Sequence[int], params: dict, rounds: int
) -> str:
    """Fit a LambdaMART booster on rows grouped by question (contiguous); returns its text."""
    import lightgbm

    dataset = lightgbm.Dataset(x, y, group=list(group_sizes), free_raw_data=False)
    booster = lightgbm.train(params, dataset, rounds)
    return booster.model_to_string()
