"""A real server (the CLI's `serve`) and real clients: SPARQLWrapper, and a reload under load."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "inbox"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).with_name("codex-graph")
        self.proc = subprocess.Popen(
            [str(exe), "serve", str(root), "--port", str(self.port), "--workers", "1", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server():
    s = Server(SAMPLE)
    yield s
    s.stop()


SELECT = (
    "PREFIX cg: <https://codex-graph.dev/ontology#> "
    "SELECT ?t ?likes WHERE { ?t a cg:Tweet ; cg:likes ?likes } ORDER BY DESC(?likes) LIMIT 3"
)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_formats(server, method):
    w = SPARQLWrapper(server.url + "/sparql")
    if method == "POST":
        w.setMethod(POST)
    w.setQuery(SELECT)
    w.setReturnFormat(JSON)
    rows = w.query().convert()["results"]["bindings"]
    assert [int(r["likes"]["value"]) for r in rows] == [5730, 2410, 1200]
    w.setReturnFormat(XML)
    doc = w.query().convert()
    assert len(doc.getElementsByTagName("result")) == 3
    w.setReturnFormat(CSV)
    assert w.query().convert().decode().splitlines()[0] == "t,likes"
    w.setReturnFormat(TSV)
    assert w.query().convert().decode().splitlines()[0] == "?t\t?likes"
    w.setQuery("ASK { ?s a <https://codex-graph.dev/ontology#Tweet> }")
    w.setReturnFormat(JSON)
    assert w.query().convert()["boolean"] is True
    w.setQuery("CONSTRUCT WHERE { ?s a <https://codex-graph.dev/ontology#Agent> }")
    w.setReturnFormat(TURTLE)
    assert b"agent/volta" in w.query().convert()


def test_refusals_over_the_wire(server):
    r = httpx.post(server.url + "/sparql", data={"update": "DROP ALL"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "read_only"
    r = httpx.get(server.url + "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert r.status_code == 400


def test_reload_during_requests(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE, root)
    server = Server(root, "--watch")
    new_title = "heat batteries charge from negative midday prices"
    failures: list[str] = []
    done = threading.Event()
    count = [0]

    def hammer() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            while not done.is_set():
                for url in ("/claims?limit=5", "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")):
                    r = c.get(url)
                    count[0] += 1
                    if r.status_code != 200:
                        failures.append(f"{url}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        path = root / "domains" / "energy-storage" / f"{new_title}.md"
        path.write_text(
            "---\ntype: claim\ndomain: energy-storage\ndescription: new\nconfidence: speculative\n"
            "source: test\ncreated: 2026-03-11\n---\n\nLinks to [[negative midday prices are a market signal "
            "for storage rather than a failure of solar]].\n"
        )
        seen = _wait_for(server.url + "/claims/" + quote(new_title), 200)
        assert seen, "the new claim never became visible"
        # SPARQL agrees at once: the new graph's engine may still be starting, and queries wait for it
        ask = f'ASK {{ ?c <http://purl.org/dc/terms/title> "{new_title}" }}'
        r = httpx.get(server.url + "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["boolean"] is True
        removed = (
            root
            / "domains"
            / "grid-policy"
            / "time-of-use retail tariffs shift household load more cheaply than new peaking plants.md"
        )
        os.remove(removed)
        assert _wait_for(
            server.url
            + "/claims/"
            + quote("time-of-use retail tariffs shift household load more cheaply than new peaking plants"),
            404,
        ), "the deleted claim stayed visible"
        health = httpx.get(server.url + "/health").json()
        assert health["generation"] >= 2
    finally:
        done.set()
        for t in threads:
            t.join()
        server.stop()
    assert count[0] > 10
    assert failures == []
    # the server wrote its store once edits settled (or as it stopped): it matches the files
    from graph.store import build

    assert build(root).status == "reused"


def _wait_for(url: str, status: int, attempts: int = 300) -> bool:
    for _ in range(attempts):
        if httpx.get(url, timeout=10).status_code == status:
            return True
        time.sleep(0.1)
    return False


def test_schemathesis_finds_no_server_error(server):
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [
            str(st),
            "run",
            server.url + "/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "-w",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "passed" in run.stdout


def test_several_http_workers_share_the_port_and_the_load(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE, root)
    server = Server(root, "--http-workers", "2")
    try:
        pids = set()
        for _ in range(60):  # a fresh connection each time: the kernel spreads them over the sockets
            r = httpx.get(server.url + "/health")
            assert r.status_code == 200
            pids.add(r.json()["pid"])
        assert len(pids) == 2 and server.proc.pid not in pids
    finally:
        server.stop()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "workers outlived the server"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except OSError:
        return False
