"""JSON-lines worker for the china-law-mcp baseline; runs in its own venv, not the project's.

Started by evals.baselines as ``<baseline-venv>/bin/python china_law_worker.py``. It imports
only the standard library and china_law_mcp, reads one request per line on stdin:

    {"id": "dev-001", "question": "...", "top_k": 10}

and writes one response per line on stdout:

    {"id": "dev-001", "hits": [{"law_name", "article_no", "score"}], "ms": 12.3}
    {"id": "dev-001", "error": "ValueError: ..."}

The first line it writes is {"ready": true} once the package's index is loaded.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time


def _answer(request: dict) -> dict:
    from china_law_mcp import retrieval

    start = time.perf_counter()
    rows = retrieval.search(request["question"], top_k=int(request.get("top_k", 10)))
    ms = (time.perf_counter() - start) * 1000.0
    hits = [
        {
            "law_name": str(r.get("law_name", "")),
            "article_no": str(r.get("article_no", "")),
            "score": float(r.get("score", 0.0)),
        }
        for r in rows
    ]
    return {"id": request.get("id"), "hits": hits, "ms": ms}


def main() -> int:
    from china_law_mcp import retrieval

    retrieval.load()
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            response = _answer(request)
        except Exception as exc:  # report and keep serving
            response = {"id": None, "error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(Exception):
                response["id"] = json.loads(line).get("id")
        out.write(json.dumps(response, ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
