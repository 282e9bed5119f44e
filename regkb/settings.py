"""The one Settings object. Only entry points build it (env prefix REGKB_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGKB_", extra="ignore")

    index_dir: Path = Field(Path(".regkb"), description="Where the index generations live.")
    corpus_roots: list[Path] = Field(
        default_factory=lambda: [Path("corpus")], description="Roots ingested when no path is given."
    )
    dense: list[str] = Field(
        default_factory=lambda: ["e5", "e5:lora", "use"],
        description="Dense channels, each an embedder spec (see regkb.embedders).",
    )
    curated: bool = Field(
        True, description="Use the curated conduct patterns, situations and jargon as ranking evidence."
    )
    memory: bool = Field(True, description="Use the question memory (past training questions) as evidence.")
    set_aside_samples: bool = Field(
        False,
        description='Leave the sample policies (a fictional company\'s, "sample": true in a manifest) out '
        "of retrieval and answers once the index holds an internal rule that is no sample: a deployment's "
        "own policies, the samples no basis for its staff. Off by default: the samples stay evidence.",
    )
    ranker: bool = Field(
        True,
        description="Order candidates by the learned ranker (regkb/data/ranker.json); false ranks by "
        "plain reciprocal-rank fusion (training collects its candidates so, whatever model is on disk).",
    )
    reader: bool = Field(
        False,
        description="Let the learned conclusion reader (regkb/data/conclusion-reader.npz) overrule the rules' "
        "label of a permission question when it is confident (about 70-100 ms more per such answer on 2 "
        "cores); false keeps the rules' label.",
    )
    statutes: str | None = Field(
        None, description='"all": ingest every law of the statute database besides the roots.'
    )
    max_tokens: int = Field(480, description="Split articles longer than this many model tokens.")
    threads: int = Field(2, description="CPU threads for embedding.")
    e5_queries: Literal["onnx", "torch"] = Field(
        "onnx",
        description='Runtime of e5 query vectors: "onnx" (fp32 on onnxruntime, no torch import: what the '
        'shipped ranker was fitted on) or "torch" (the documents\' runtime, bf16 by default).',
    )
    top_k: int = Field(10, description="Passages returned by retrieval.")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint; unset = extractive answers."
    )
    llm_model: str | None = Field(None, description="Model name at the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint.")
    llm_timeout_s: float = Field(30.0, description="Give up on the LLM after this long.")
    admin_password: str | None = Field(None, description="Admin password for the app's 知识库 page.")
    api_token: str | None = Field(None, description="Bearer token `regkb serve` requires when set.")
    redlines: Path = Field(Path("corpus/redlines.yaml"), description="Red-line rules for clause review.")
    feedback_db: Path = Field(Path(".regkb/feedback.sqlite"), description="Where 👍/👎 feedback is stored.")
    audit_db: Path = Field(
        Path(".regkb/audit.sqlite"), description="Append-only audit log of questions and admin actions."
    )
    chroma_url: str | None = Field(
        None, description="A chroma server (http://host:port); unset = embedded chroma in the index dir."
    )
    chroma_token: str | None = Field(
        None, description="Bearer token sent to the chroma server (checked by a proxy in front of it)."
    )
    max_file_mb: float = Field(50.0, description="Files larger than this are refused at ingest.")
    eval_dir: Path = Field(Path("evals/out/latest"), description="The eval report the app's 评测 page shows.")
    upload_dir: Path | None = Field(None, description="Where admin uploads go; default <index_dir>/uploads.")
    quiz_questions: Path | None = Field(
        None, description="Questions in the eval format for the app's scenario quiz items."
    )

    @property
    def uploads(self) -> Path:
        """The folder admin uploads are saved to (and ingested from)."""
        return self.upload_dir or self.index_dir / "uploads"
