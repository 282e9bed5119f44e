"""bench/load.py against a stand-in server: counts, errors, bounds and percentiles are exact."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import ClassVar

import pytest

from tests.conftest import REPO


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", REPO / "bench" / "load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


load = _load_module()


class _Handler(BaseHTTPRequestHandler):
    delay = 0.0
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        question = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["question"]
        self.seen.append(question)
        time.sleep(self.delay)
        status = 500 if question == "boom" else 200
        body = json.dumps({"answer": "ok", "citations": []}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"seen": [], "delay": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()


def test_request_cap_errors_and_question_mix(server) -> None:
    url, handler = server
    result = load.run_load(url, ["a", "b", "boom", "c"], clients=4, requests=20, seconds=30)
    assert result.requests == 20 and len(result.latencies_ms) == 20
    assert result.errors == 5 and result.error_kinds == {"HTTP 500": 5}
    assert sorted(handler.seen) == sorted(["a", "b", "boom", "c"] * 5)


def test_time_bound_stops_early(server) -> None:
    url, handler = server
    handler.delay = 0.2
    t0 = time.monotonic()
    result = load.run_load(url, ["a"], clients=2, requests=1000, seconds=0.5)
    assert 2 <= result.requests <= 8 and time.monotonic() - t0 < 2
    assert min(result.latencies_ms) >= 200


def test_percentile_and_summary() -> None:
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 0.5) == 51.0 and load.percentile(values, 0.95) == 95.0
    result = load.LoadResult(clients=8, requests=100, seconds=4.0, latencies_ms=values)
    summary = result.summary()
    assert summary["throughput_rps"] == 25.0 and summary["p95_ms"] == 95.0 and summary["max_ms"] == 100.0


def test_unreachable_server_counts_errors() -> None:
    result = load.run_load("http://127.0.0.1:9", ["a"], clients=2, requests=4, seconds=5, timeout=2)
    assert result.requests == 4 and result.errors == 4
