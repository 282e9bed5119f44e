"""`regkb serve` follows new index generations: every request first asks the engine to reload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from regkb.service.http import create_app


class GenerationsEngine:
    """An engine whose index gains a new generation after the first request (what an ingest does)."""

    def __init__(self) -> None:
        self.generation = "g1"
        self.checks = 0

    def reload_if_changed(self) -> bool:
        self.checks += 1
        if self.generation == "g1" and self.checks > 1:
            self.generation = "g2"
            return True
        return False

    def documents(self) -> list:
        return []


def test_each_request_serves_the_newest_generation() -> None:
    engine = GenerationsEngine()
    client = TestClient(create_app(engine))  # type: ignore[arg-type]
    assert client.get("/healthz").json()["generation"] == "g1"
    assert client.get("/documents").json() == {"documents": []}
    assert engine.checks == 2
    assert client.get("/healthz").json()["generation"] == "g2"
