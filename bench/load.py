"""Load generator for the HTTP API: concurrent clients POST /ask with mixed questions.

    python bench/load.py --index .regkb [--clients 8] [--requests 400] [--seconds 60]
    python bench/load.py --url http://127.0.0.1:8000      # an already running `regkb serve`

Without --url it starts `regkb serve --index DIR` on a free localhost port, waits for /healthz,
runs the load and stops the server. Questions are the dev set's, shuffled with a fixed seed and
dealt round-robin. The run stops at --requests or after --seconds, whichever comes first. It
prints throughput, latency p50/p95/p99/max and errors (--json for one JSON object); the exit code
is 1 when any request failed or p95 exceeds --max-p95-ms. Standard library only, so the
reliability checks can import run_load() without another HTTP client.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class LoadResult:
    clients: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, object]:
        return {
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.requests / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(percentile(self.latencies_ms, 0.50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 0.95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 0.99), 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_questions(path: Path, seed: int = 7) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    random.Random(seed).shuffle(questions)
    return questions


def post_ask(url: str, question: str, token: str | None, timeout: float) -> None:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"{url}/ask", body, headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "answer" not in answer or "citations" not in answer:
        raise ValueError("response lacks answer/citations")


def run_load(
    url: str,
    questions: list[str],
    clients: int = 8,
    requests: int = 400,
    seconds: float = 60.0,
    token: str | None = None,
    timeout: float = 30.0,
) -> LoadResult:
    """`clients` threads send POST /ask back to back until `requests` are sent or `seconds` pass."""
    result = LoadResult(clients)
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            t0 = time.perf_counter()
            error = None
            try:
                post_ask(url, questions[n % len(questions)], token, timeout)
            except urllib.error.HTTPError as exc:
                error = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                error = type(exc).__name__
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                result.requests += 1
                result.latencies_ms.append(elapsed)
                if error:
                    result.errors += 1
                    result.error_kinds[error] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, limit_s: float = 300) -> float:
    """Seconds until /healthz answers; raises with the server's log when it dies or never answers."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        if proc.poll() is not None:
            raise RuntimeError(f"regkb serve exited {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return time.monotonic() - t0
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"regkb serve did not answer /healthz within {limit_s:.0f} s")


def start_server(index: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "regkb.cli", "serve", "--index", str(index), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="target a running server instead of starting one")
    parser.add_argument("--index", type=Path, default=REPO / ".regkb", help="index for the started server")
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "evals" / "dev.jsonl")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long")
    parser.add_argument("--max-p95-ms", type=float, default=500.0, help="exit 1 above this p95")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def report(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for key, value in summary.items():
        print(f"{key:15} {value}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    questions = load_questions(args.questions)
    token = os.environ.get("REGKB_API_TOKEN")
    proc, url, started = None, args.url, 0.0
    log = Path(tempfile.mkstemp(prefix="regkb-serve-", suffix=".log")[1])
    try:
        if url is None:
            proc, url = start_server(args.index, log)
            started = wait_healthy(url, proc, log)
        result = run_load(url, questions, args.clients, args.requests, args.seconds, token)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    summary = {
        "url": url,
        "server_start_s": round(started, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews latency
        **result.summary(),
    }
    report(summary, args.json)
    p95 = percentile(result.latencies_ms, 0.95)
    ok = result.errors == 0 and result.requests > 0 and p95 <= args.max_p95_ms
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
