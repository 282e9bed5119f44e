"""Any local sentence-transformers model directory (no hub access, ever).

HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set before sentence-transformers is imported
and the model is opened with ``local_files_only=True``, so a missing file fails loudly
instead of downloading.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regkb.embedders._vectors import unit_rows
from regkb.errors import ConfigError

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from ``model_dir`` on CPU, fp32."""

    def __init__(
        self,
        model_dir: str | Path,
        threads: int = 2,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
    ) -> None:
        self.model_dir = Path(model_dir).expanduser()
        if not (self.model_dir / "modules.json").is_file() and not (self.model_dir / "config.json").is_file():
            raise ConfigError(
                f"{self.model_dir}: not a sentence-transformers model directory "
                "(no modules.json or config.json); pass `st:<dir>` with an extracted model"
            )
        self.threads = threads
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.name = f"st-{self.model_dir.name}-torch-fp32"
        self._model: Any = None
        self._lock = threading.Lock()
        probed = _probe_dim(self.model_dir)
        self.dim: int = probed if probed is not None else int(self._load().get_sentence_embedding_dimension())

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self.threads)
            log.info("loading sentence-transformers model from %s", self.model_dir)
            self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            vectors = self._load().encode(
                texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
            )
        return unit_rows(vectors)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]


def _probe_dim(model_dir: Path) -> int | None:
    """The output dimension from the module configs, without loading weights."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        dim = None
        for module in modules:
            config_path = model_dir / module.get("path", "") / "config.json"
            if "Pooling" in module.get("type", "") and config_path.is_file():
                cfg = json.loads(config_path.read_text(encoding="utf-8"))
                modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v is True]
                dim = int(cfg["word_embedding_dimension"]) * max(len(modes), 1)
            elif "Dense" in module.get("type", "") and config_path.is_file():
                dim = int(json.loads(config_path.read_text(encoding="utf-8"))["out_features"])
        return dim
    except (OSError, ValueError, KeyError):
        return None
