"""The SPARQL 1.1 Protocol endpoint in process: forms, negotiation, refusals, limits."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from urllib.parse import quote

import pytest
from rdflib import Graph, URIRef

from graph import query as q

from .test_api import CG, assert_error, call

COUNT = CG + "SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:Claim }"
CLAIMS = CG + "SELECT ?s WHERE { ?s a cg:Claim } ORDER BY ?s"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def sample():
    from graph.compiler import compile_kb

    return compile_kb()


def n_of(r):
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_three_ways_to_send_a_query(sample):
    async def fn(c, _):
        return [
            await c.get("/sparql", params={"query": COUNT}),
            await c.post("/sparql", data={"query": COUNT}),
            await c.post("/sparql", content=COUNT, headers={"Content-Type": "application/sparql-query"}),
        ]

    rs = call(sample, fn)
    assert [r.status_code for r in rs] == [200, 200, 200]
    assert {n_of(r) for r in rs} == {sample.summary()["nodes_by_class"]["Claim"]}
    assert all(r.headers["content-type"] == "application/sparql-results+json" for r in rs)


@pytest.mark.parametrize(
    "accept, fmt, media",
    [
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", None, "text/csv; charset=utf-8"),
        ("text/tab-separated-values", None, "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", None, "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, application/json;q=0, */*", None, "application/sparql-results+xml"),
        ("text/html, */*;q=0.1", None, "application/sparql-results+json"),
        (None, "csv", "text/csv; charset=utf-8"),
        ("text/csv", "tsv", "text/tab-separated-values; charset=utf-8"),
    ],
)
def test_select_negotiation(sample, accept, fmt, media):
    params = {"query": CLAIMS} | ({"format": fmt} if fmt else {})
    headers = {"Accept": accept} if accept else {}

    async def fn(c, _):
        return await c.get("/sparql", params=params, headers=headers)

    r = call(sample, fn)
    assert r.status_code == 200 and r.headers["content-type"] == media
    if "csv" in media:
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["s"] and len(rows) == 26


def test_graph_forms_and_not_acceptable(sample):
    construct = CG + "CONSTRUCT WHERE { ?s a cg:Agent }"
    describe = "DESCRIBE <https://codex-graph.dev/kb/agent/volta>"

    async def fn(c, _):
        return [
            await c.get("/sparql", params={"query": construct}),
            await c.get("/sparql", params={"query": construct}, headers={"Accept": "application/n-triples"}),
            await c.get("/sparql", params={"query": construct, "format": "jsonld"}),
            await c.get("/sparql", params={"query": construct}, headers={"Accept": "application/rdf+xml"}),
            await c.get("/sparql", params={"query": describe}),
            await c.get("/sparql", params={"query": construct}, headers={"Accept": "image/png"}),
            await c.get("/sparql", params={"query": COUNT, "format": "turtle"}),
            await c.get("/sparql", params={"query": CG + "ASK { ?s a cg:Tweet }"}, headers={"Accept": "text/csv"}),
        ]

    ttl, nt, jsonld, rdfxml, desc, png, wrong, ask = call(sample, fn)
    for r, fmt in ((ttl, "turtle"), (nt, "nt"), (jsonld, "json-ld"), (rdfxml, "xml")):
        assert r.status_code == 200
        assert len(Graph().parse(data=r.text, format=fmt)) == 2
    volta = list(sample.rdf.triples((URIRef("https://codex-graph.dev/kb/agent/volta"), None, None)))
    assert desc.status_code == 200 and len(Graph().parse(data=desc.text, format="turtle")) == len(volta) >= 3
    assert_error(png, 406, "not_acceptable")
    assert_error(wrong, 406, "not_acceptable")
    assert ask.text.splitlines() == ["_askResult", "true"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { { SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } } } }",
        "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_nothing_reaches_outside(sample, query):
    async def fn(c, _):
        return await c.get("/sparql", params={"query": query})

    assert_error(call(sample, fn), 400, "bad_query")


def test_updates_and_dataset_parameters_are_refused(sample):
    async def fn(c, _):
        rs = [
            await c.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
            await c.post("/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update"}),
            await c.get("/sparql", params={"query": "LOAD <http://127.0.0.1:9/x.ttl>"}),
            await c.get("/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
            await c.get("/sparql", params={"query": COUNT, "default-graph-uri": "http://127.0.0.1:9/g"}),
            await c.get("/sparql", params={"query": COUNT, "named-graph-uri": "urn:x"}),
        ]
        after = await c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        return rs, after

    rs, after = call(sample, fn)
    for r in rs[:4]:
        assert_error(r, 403, "read_only")
    for r in rs[4:]:
        assert_error(r, 400, "bad_request")
    assert n_of(after) == len(sample.rdf)


def test_malformed_oversized_and_odd_requests(sample):
    async def fn(c, _):
        return [
            await c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}),
            await c.post("/sparql", content="x" * 70_000, headers={"Content-Type": "application/sparql-query"}),
            await c.post("/sparql", content=COUNT, headers={"Content-Type": "text/plain"}),
            await c.post("/sparql", data={"other": "1"}),
            await c.get("/sparql", params=[("query", COUNT), ("query", COUNT)]),
        ]

    bad, big, media, missing, twice = call(sample, fn)
    assert_error(bad, 400, "bad_query")
    assert "line 1" in bad.json()["error"]["message"] and bad.json()["error"]["detail"]["column"] > 1
    assert_error(big, 413, "too_large")
    assert_error(media, 415, "unsupported_media_type")
    assert_error(missing, 400, "bad_request")
    assert_error(twice, 400, "bad_request")


def test_service_description_and_query_page(sample):
    async def fn(c, _):
        return await c.get("/sparql"), await c.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml"})

    desc, page = call(sample, fn)
    g = Graph().parse(data=desc.text, format="turtle")
    assert any("sparql-service-description" in str(o) for o in g.objects())
    assert page.headers["content-type"].startswith("text/html") and "<textarea" in page.text and "/explore" in page.text


def test_row_cap_truncates_and_says_so(sample):
    async def fn(c, _):
        return (
            await c.get("/sparql", params={"query": CLAIMS}),
            await c.get("/sparql", params={"query": CLAIMS, "format": "csv"}),
        )

    js, csv_r = call(sample, fn, max_rows=3)
    assert len(js.json()["results"]["bindings"]) == 3 and js.json()["truncated"] is True
    assert js.headers["x-codex-truncated"] == "true"
    assert csv_r.headers["x-codex-truncated"] == "true" and len(csv_r.text.strip().splitlines()) == 4


def test_time_limit_stops_a_heavy_query_while_others_are_served(sample):
    async def fn(c, _):
        heavy = asyncio.create_task(c.get("/sparql", params={"query": HEAVY}))
        await asyncio.sleep(0.2)
        health = await c.get("/health")
        light = await c.get("/sparql", params={"query": COUNT})
        loop = asyncio.get_running_loop()
        start = loop.time()
        stopped = await heavy
        return health, light, stopped, loop.time() - start

    health, light, stopped, _waited = call(sample, fn, workers=2, query_timeout=1.5)
    assert health.status_code == 200
    assert light.status_code == 200 and n_of(light) == 25
    assert_error(stopped, 422, "query_timeout")


def test_worker_is_replaced_after_a_timeout(sample):
    async def fn(c, _):
        first = await c.get("/sparql", params={"query": HEAVY})
        again = await c.get("/sparql", params={"query": COUNT})
        return first, again

    first, again = call(sample, fn, workers=1, query_timeout=1.0)
    assert_error(first, 422, "query_timeout")
    assert again.status_code == 200 and n_of(again) == 25


def test_past_the_concurrency_limit_503_and_health_answers(sample):
    async def fn(c, _):
        heavy = asyncio.create_task(c.get("/sparql", params={"query": HEAVY}))
        await asyncio.sleep(0.3)
        busy = await c.get("/sparql", params={"query": COUNT})
        health = await c.get("/health")
        await heavy
        return busy, health

    busy, health = call(sample, fn, workers=1, max_waiting=0, query_timeout=1.5)
    assert_error(busy, 503, "busy")
    assert health.status_code == 200


def test_json_results_are_valid_sparql_json(sample):
    q = CG + "SELECT ?t ?likes WHERE { ?t a cg:Tweet ; cg:likes ?likes } ORDER BY DESC(?likes) LIMIT 1"

    async def fn(c, _):
        return await c.get("/sparql?query=" + quote(q))

    body = json.loads(call(sample, fn).text)
    row = body["results"]["bindings"][0]
    assert row["likes"] == {"type": "literal", "value": "5730", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert row["t"] == {"type": "uri", "value": "https://codex-graph.dev/kb/tweet/1899000000000000001"}


def test_a_query_waits_for_an_engine_that_is_starting(sample, tmp_path):
    """A reloading server swaps the new graph in before its engine is up: queries wait for it."""
    from graph.engine import Engine, write_dump

    engine = Engine(write_dump(sample, str(tmp_path)), workers=1)

    async def go():
        loop = asyncio.get_running_loop()
        early = asyncio.create_task(engine.run(COUNT, "json"))
        await asyncio.sleep(0.2)
        assert not early.done()
        await loop.run_in_executor(None, engine.start)
        return await asyncio.wait_for(early, 30)

    try:
        answer = asyncio.run(go())
    finally:
        engine.close()
    n = json.loads(answer.body)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == sum(1 for node in sample.model.nodes.values() if node.cls == "Claim")


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("SELECT ?p ?o WHERE { <http://x/a> ?p ?o }", True),
        ("PREFIX ex: <http://x/> SELECT DISTINCT ?o { ex:a ex:p ?o . } LIMIT 5 OFFSET 1", True),
        ('SELECT * WHERE { <http://x/a> ?p "v"@en }', True),
        ("SELECT ?s WHERE { ?s ?p <http://x/a> }", False),  # a named object can be a hub
        ("SELECT ?o WHERE { <http://x/a> ?p ?o } ORDER BY ?o", False),
        ("SELECT ?o WHERE { <http://x/a> ?p ?o . ?o ?q ?r }", False),
        ("SELECT ?o WHERE { <http://x/a> <http://x/p>+ ?o }", False),
        ("ASK { <http://x/a> ?p ?o }", False),
        ("SELECT (COUNT(*) AS ?n) WHERE { <http://x/a> ?p ?o }", False),
    ],
)
def test_point_lookups_are_told_apart(text, point):
    assert q.is_point_lookup(text) is point


def test_a_syntax_error_found_by_the_engine_still_names_line_and_column(sample):
    bad = "SELECT ?s WHERE {\n  ?s ?p \n"

    async def fn(c, _):
        return await c.get("/sparql", params={"query": bad})

    r = call(sample, fn)
    assert r.status_code == 400
    assert r.json()["error"]["detail"]["line"] >= 1


def test_point_lookups_on_a_store_are_answered_in_process(tmp_path):
    """Same answer as a worker's, and no worker needed: this engine's workers never start."""
    import shutil
    from pathlib import Path

    from graph.engine import Engine
    from graph.store import build

    root = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parent.parent / "inbox", root)
    kb = build(root, tmp_path / "store").kb
    claim = next(n for n in kb.model.nodes.values() if n.cls == "Claim")
    point = f"SELECT ?p ?o WHERE {{ <{kb.iri(claim.key)}> ?p ?o }}"
    here = Engine(str(kb.oxigraph_dir), workers=1)
    worker = Engine(str(kb.oxigraph_dir), workers=1)
    worker.local_points = False
    worker.start()
    try:
        a = asyncio.run(here.run(point, "json"))
        b = asyncio.run(worker.run(point, "json"))
    finally:
        here.close()
        worker.close()
    assert a.rows > 3 and (a.body, a.rows, a.media_type) == (b.body, b.rows, b.media_type)
