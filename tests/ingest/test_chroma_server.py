"""Scale-out on chroma's own server, end to end: `regkb ingest` with a chroma URL writes each
generation's collections to a real `chroma run`; an app replica that has only the small
generation files (CURRENT, generation.json, documents.json, report.json) rebuilds passages.jsonl
and the BM25 index from the server's records and answers exactly like the embedded index; old and
abandoned generations' collections leave the server with their generation; the collections keep
their names across a server restart."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.generation import TMP_PREFIX
from regkb.embedders import make_embedder
from regkb.engine import Engine
from regkb.errors import IndexMismatchError
from regkb.index import (
    BM25_DIR,
    CHROMA_DIR,
    CURRENT,
    DOCUMENTS_FILE,
    GENERATION_FILE,
    GENERATIONS,
    PASSAGES_FILE,
    REPORT_FILE,
    IndexReader,
    generation_dir,
    server_namespace,
)
from regkb.settings import Settings
from regkb.store import ChromaDir
from tests import chroma_server as server
from tests.ingest.factory import entry, ingest, write_law, write_manifest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REPLICA_FILES = (GENERATION_FILE, DOCUMENTS_FILE, REPORT_FILE)  # what a replica is given, with CURRENT
QUESTIONS = (
    "催收时能否联系债务人的同事？",
    "委外催收机构要满足什么条件",
    "客户投诉多久内要答复",
    "催收录音要保存多久",
    "示例催收作业管理办法第十条",
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("chroma-data")
    with server.chroma_server(data) as running:
        yield running


def _sample_corpus(root: Path) -> Path:
    """The project's sample policies written as Markdown (no statute pack: small and fast)."""
    manifest = json.loads((REPO / "corpus" / "manifest.json").read_text(encoding="utf-8"))
    kept = [e for e in manifest if e["path"].endswith(".md") and (REPO / "corpus" / e["path"]).exists()]
    for e in kept:
        (root / e["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "corpus" / e["path"], root / e["path"])
    write_manifest(root, kept)
    return root


def _give_replica(writer: Path, replica: Path) -> str:
    """Copy what the design gives a replica: the generation's small files, then CURRENT."""
    generation = (writer / CURRENT).read_text(encoding="utf-8").strip()
    target = generation_dir(replica, generation)
    target.mkdir(parents=True, exist_ok=True)
    for name in REPLICA_FILES:
        shutil.copy(generation_dir(writer, generation) / name, target / name)
    shutil.copy(writer / CURRENT, replica / CURRENT)
    return generation


def _server_generations(url: str) -> set[str]:
    with ChromaDir(Path(), url=url) as client:
        return {ns for ns in client.namespaces() if ns.startswith("regkb-")}


def _local_generations(index: Path) -> set[str]:
    return {server_namespace(p.name) for p in (index / GENERATIONS).iterdir() if not p.name.startswith(".")}


def _hits(engine: Engine, question: str) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(h.passage.id, round(h.score, 6), h.channels) for h in engine.retrieve(question)]


def test_a_replica_answers_exactly_like_the_embedded_index(url: str, tmp_path: Path) -> None:
    corpus = _sample_corpus(tmp_path / "corpus")
    assert not ingest([corpus], tmp_path / "embedded").files_failed
    report = ingest([corpus], tmp_path / "writer", chroma_url=url)
    gen_dir = generation_dir(tmp_path / "writer", str(report.generation))
    info = json.loads((gen_dir / GENERATION_FILE).read_text(encoding="utf-8"))
    assert info["store"] == {"backend": "server", "namespace": server_namespace(str(report.generation))}
    assert not (gen_dir / CHROMA_DIR).exists()  # the vectors are on the server only
    with ChromaDir(Path(), url=url, namespace=info["store"]["namespace"]) as chroma:
        assert chroma.collection_names() == [info["channels"]["hash"]["collection"]]
        assert chroma.open(info["channels"]["hash"]["collection"]).count() == report.passages

    replica = tmp_path / "replica"
    _give_replica(tmp_path / "writer", replica)
    (generation_dir(replica, str(report.generation)) / BM25_DIR).mkdir()  # as a careless sync leaves it
    embedded = Engine(Settings(index_dir=tmp_path / "embedded", dense=["hash"], memory=False))
    remote = Engine(Settings(index_dir=replica, dense=["hash"], memory=False, chroma_url=url))
    rebuilt = generation_dir(replica, str(report.generation))
    assert (rebuilt / PASSAGES_FILE).read_bytes() == (gen_dir / PASSAGES_FILE).read_bytes()
    assert (rebuilt / BM25_DIR / "ids.json").read_text() == (gen_dir / BM25_DIR / "ids.json").read_text()
    for question in QUESTIONS:
        assert _hits(remote, question) == _hits(embedded, question), question
        assert remote.ask(question).text == embedded.ask(question).text


def test_a_replica_without_the_server_url_is_told_to_set_it(url: str, tmp_path: Path) -> None:
    corpus = _sample_corpus(tmp_path / "corpus")
    ingest([corpus], tmp_path / "writer", chroma_url=url)
    _give_replica(tmp_path / "writer", tmp_path / "replica")
    with pytest.raises(IndexMismatchError, match="REGKB_CHROMA_URL"):
        IndexReader.open(tmp_path / "replica")


def _law_corpus(root: Path, version: int) -> None:
    """Version 2 changes 乙法 article 2 and adds a law that sorts first (later passages move)."""
    laws = [("laws/b.md", "中华人民共和国乙法", 4), ("laws/c.md", "中华人民共和国丙法", 3)]
    if version == 2:
        laws.insert(0, ("laws/a.md", "中华人民共和国甲法", 2))
    for rel, title, n in laws:
        changed = (
            {2: "乙法第二条修改后：催收不得冒用司法机关名义。"} if version == 2 and "乙" in title else None
        )
        write_law(root, rel, title, n, changed)
    write_manifest(root, [entry(rel, title, n) for rel, title, n in laws])


def test_generations_on_the_server_follow_the_local_ones(url: str, tmp_path: Path) -> None:
    corpus, writer = tmp_path / "corpus", tmp_path / "writer"
    others = _server_generations(url)  # left by this module's other tests
    seen = []
    for version in (1, 2, 2):
        _law_corpus(corpus, version)
        report = ingest([corpus], writer, chroma_url=url)
        seen.append(server_namespace(str(report.generation)))
        assert _server_generations(url) - others == _local_generations(writer)
    assert seen[0] not in _server_generations(url)  # collected with its generation
    assert set(seen[1:]) <= _server_generations(url)

    # the incremental generations (records copied from the previous namespace, new ones added,
    # carried-over ones renumbered) still rebuild to exactly the writer's passages
    replica = tmp_path / "replica"
    generation = _give_replica(writer, replica)
    reader = IndexReader.open(replica, chroma_url=url)
    expected = (generation_dir(writer, generation) / PASSAGES_FILE).read_text(encoding="utf-8")
    assert (generation_dir(replica, generation) / PASSAGES_FILE).read_text(encoding="utf-8") == expected
    assert reader.dense("hash").count() == len(reader.passages) == len(expected.splitlines())
    assert reader.passages[0].doc_id == "laws/a.md"  # the new law moved the others
    assert any("冒用司法机关名义" in p.text for p in reader.passages)


def _big_corpus(root: Path, version: int) -> None:
    entries = []
    for i in range(60):
        changed = {3: f"第{version}版：催收机构第{i}号修改后的规定。"} if i % 4 == 0 else None
        write_law(root, f"laws/law{i:03d}.md", f"测试法{i:03d}", 40, changed)
        entries.append(entry(f"laws/law{i:03d}.md", f"测试法{i:03d}", 40))
    write_manifest(root, entries)


def _dense_answers(index: Path, url: str) -> list[list[tuple[str, float]]]:
    reader = IndexReader.open(index, chroma_url=url)
    embedder = make_embedder("hash")
    try:
        return [reader.dense("hash").query(embedder.embed_query(q), 5) for q in ("第2版", "测试法003的规定")]
    finally:
        reader.close()


def test_a_killed_server_ingest_is_cleaned_up_and_the_previous_generation_answers(
    url: str, tmp_path: Path
) -> None:
    corpus, writer = tmp_path / "corpus", tmp_path / "writer"
    _big_corpus(corpus, 1)
    first = ingest([corpus], writer, chroma_url=url)
    before = _dense_answers(writer, url)
    _big_corpus(corpus, 2)
    env = {**os.environ, "PYTHONPATH": str(REPO), "REGKB_CHROMA_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--index", str(writer), "--dense", "hash"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        stale = _wait_for_partial(writer, url, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert stale in _server_generations(url)  # the killed ingest left collections behind
    assert IndexReader.current_generation(writer) == first.generation
    assert _dense_answers(writer, url) == before

    second = ingest([corpus], writer, chroma_url=url)
    assert second.generation != first.generation and second.passages == first.passages
    assert stale not in _server_generations(url)
    assert not [p for p in (writer / GENERATIONS).iterdir() if p.name.startswith(TMP_PREFIX)]
    assert {server_namespace(str(g.generation)) for g in (first, second)} <= _server_generations(url)


def _wait_for_partial(writer: Path, url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> str:
    """The namespace of the running ingest's temporary generation, once it has collections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest finished before it could be killed"
        partial = [p for p in (writer / GENERATIONS).iterdir() if p.name.startswith(TMP_PREFIX)]
        if partial:
            namespace = server_namespace(partial[0].name[len(TMP_PREFIX) :])
            if namespace in _server_generations(url):
                return namespace
        time.sleep(0.05)
    raise TimeoutError("no partial generation appeared on the server")


def test_collections_keep_their_names_across_a_server_restart(tmp_path: Path) -> None:
    data, corpus = tmp_path / "chroma-data", _sample_corpus(tmp_path / "corpus")
    url, proc = server.start(data)
    try:
        ingest([corpus], tmp_path / "writer", chroma_url=url)
        before = _dense_answers(tmp_path / "writer", url)
    finally:
        server.stop(proc, kill=True)  # SIGKILL: no clean shutdown
    url, proc = server.start(data)  # the same data, on another port: replicas find it by name
    try:
        _give_replica(tmp_path / "writer", tmp_path / "replica")
        assert _dense_answers(tmp_path / "replica", url) == before
    finally:
        server.stop(proc)
