"""push and serve --sparql-endpoint against a real `oxigraph serve` that the test starts."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner

from cli.main import main
from graph.compiler import compile_kb
from graph.remote import RemoteError, load, push

from .test_live import free_port

NEG = "negative midday prices are a market signal for storage rather than a failure of solar"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def oxigraph(tmp_path):
    port = free_port()
    exe = Path(sys.executable).with_name("oxigraph")
    proc = subprocess.Popen(
        [str(exe), "serve", "--location", str(tmp_path / "ox"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def remote_count(url: str) -> int:
    r = httpx.post(url + "/query", data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_push_replaces_the_named_graph(oxigraph):
    kb = compile_kb()
    out = CliRunner().invoke(main, ["push", "--endpoint", oxigraph + "/store"])
    assert out.exit_code == 0 and "pushed" in out.output
    assert remote_count(oxigraph) == len(kb.rdf)
    push(kb, oxigraph + "/store")  # again: replaced, not doubled
    assert remote_count(oxigraph) == len(kb.rdf)
    push(kb, oxigraph + "/store", graph="urn:other")
    assert remote_count(oxigraph) == 2 * len(kb.rdf)


def test_remote_model_answers_like_the_local_one(oxigraph):
    local = compile_kb()
    push(local, oxigraph + "/store")
    remote = load(oxigraph + "/query")
    assert set(remote.model.nodes) == set(local.model.nodes)
    assert sorted((e.src, e.dst, e.kind) for e in remote.model.edges) == sorted(
        {(e.src, e.dst, e.kind) for e in local.model.edges}
    )
    from graph import views

    def summary(kb):
        answer = views.claim_sources(kb, views.find(kb, NEG, "Claim"))
        return [(s["id"], sorted({w["why"] for w in s["why"]}), [t["status_id"] for t in s["tweets"]]) for s in answer["sources"]]

    assert summary(remote) == summary(local)
    with pytest.raises(RemoteError):
        load(oxigraph + "/query", graph="urn:nothing-here")


def test_serve_from_the_remote_store(oxigraph):
    push(compile_kb(), oxigraph + "/store")
    port = free_port()
    exe = Path(sys.executable).with_name("codex-graph")
    proc = subprocess.Popen(
        [str(exe), "serve", "--sparql-endpoint", oxigraph + "/query", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.get(
            url + "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) > 100
        refused = httpx.get(url + "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert refused.status_code == 400
        sources = httpx.get(url + "/claims/" + quote(NEG) + "/sources").json()
        assert sources["sources"][0]["id"] == "source/inbox/archive/2026-03-05-gridwatch-x-archive"
    finally:
        proc.terminate()
        proc.wait(10)


def test_push_to_nowhere_is_a_clear_error():
    out = CliRunner().invoke(main, ["push", "--endpoint", f"http://127.0.0.1:{free_port()}/store"])
    assert out.exit_code == 1 and "cannot reach" in out.output
    out = CliRunner().invoke(main, ["push", "--endpoint", "ftp://example/store"])
    assert out.exit_code == 2 and "http(s) URL" in out.output
