"""Every dump format loads in its standard reader with the same node and edge counts; filters cut."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph import export as ex
from graph.compiler import compile_kb

from .test_api import call

NEG = "negative midday prices are a market signal for storage rather than a failure of solar"


@pytest.fixture(scope="module")
def kb():
    return compile_kb()


def dump(kb, fmt, sel=None) -> bytes:
    buf = io.BytesIO()
    ex.export(kb, fmt, buf, sel)
    return buf.getvalue()


@pytest.mark.parametrize("fmt, rdflib_name", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_rdf_formats_round_trip(kb, fmt, rdflib_name):
    g = Graph().parse(data=dump(kb, fmt), format=rdflib_name)
    assert isomorphic(g, kb.rdf)


def test_jsonld_uses_the_shipped_context(kb):
    doc = json.loads(dump(kb, "jsonld"))
    assert doc["@context"]["cg"] == "https://codex-graph.dev/ontology#"
    assert "@graph" in doc


def counts(kb):
    return len(kb.model.nodes), len(kb.model.edges)


def test_graphml_and_gexf_load_with_typed_attributes(kb):
    g = nx.read_graphml(io.BytesIO(dump(kb, "graphml")))
    assert (g.number_of_nodes(), g.number_of_edges()) == counts(kb)
    tweet = g.nodes["tweet/1899000000000000001"]
    assert tweet["label"] == "New record trough" and tweet["cls"] == "Tweet" and tweet["likes"] == 5730
    assert isinstance(tweet["line"], int)
    h = nx.read_gexf(io.BytesIO(dump(kb, "gexf")))
    assert (h.number_of_nodes(), h.number_of_edges()) == counts(kb)
    assert h.nodes["tweet/1899000000000000001"]["label"] == "New record trough"
    assert h.nodes["tweet/1899000000000000001"]["likes"] == 5730


def test_node_link_cytoscape_and_csv(kb):
    data = json.loads(dump(kb, "node-link"))
    g = nx.node_link_graph(data, edges="edges")
    assert (g.number_of_nodes(), g.number_of_edges()) == counts(kb)
    import jsonschema

    cy = json.loads(dump(kb, "cytoscape"))
    schema = json.loads((Path(__file__).parent / "cytoscape.schema.json").read_text())
    jsonschema.validate(cy, schema)
    assert (len(cy["elements"]["nodes"]), len(cy["elements"]["edges"])) == counts(kb)
    c = nx.cytoscape_graph(cy)
    assert (c.number_of_nodes(), c.number_of_edges()) == counts(kb)
    with zipfile.ZipFile(io.BytesIO(dump(kb, "csv"))) as z:
        assert sorted(z.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = z.read("nodes.csv").decode().strip().splitlines()
        edges = z.read("edges.csv").decode().strip().splitlines()
    assert (len(nodes) - 1, len(edges) - 1) == counts(kb)
    assert nodes[0].startswith("id,label,cls,path,line")


def test_teleo_app_shape(kb):
    data = json.loads(dump(kb, "teleo-app"))
    assert set(data) == {"nodes", "edges", "events", "domain_colors"}
    ids = {n["id"] for n in data["nodes"]}
    assert f"domains/grid-policy/{NEG}.md" in ids
    assert all(set(n) >= {"id", "title", "domain", "agent", "created", "confidence", "challenged"} for n in data["nodes"])
    assert all(e["source"] in ids and e["target"] in ids and e["type"] in ("wiki-link", "conflict") for e in data["edges"])
    assert all(n["domain"] in data["domain_colors"] for n in data["nodes"])
    sodium = next(n for n in data["nodes"] if n["title"].startswith("sodium-ion"))
    assert sodium["challenged"] is True and sodium["challenges"]
    cross = [e for e in data["edges"] if e["cross_domain"]]
    assert cross and all(e["type"] for e in cross)


def ids_of(kb, sel):
    return set(ex.select(kb, sel).nodes)


def test_filters(kb):
    claims = ids_of(kb, ex.Selection(classes=["Claim"]))
    assert claims and all(kb.model.nodes[k].cls == "Claim" for k in claims)
    authors = ids_of(kb, ex.Selection(classes=["Author"]))
    assert {kb.model.nodes[k].cls for k in authors} == {"Person", "Organization"}
    grid = ids_of(kb, ex.Selection(domains=["grid-policy"], classes=["Claim"]))
    expected = {
        n.key
        for n in kb.model.nodes.values()
        if n.cls == "Claim"
        and "grid-policy" in n.props["fields"].get("domain", []) + n.props["fields"].get("secondary_domains", [])
    }
    assert grid == expected and len(grid) == 10  # nine primary, one secondary (the sodium-ion claim)
    lset = ids_of(kb, ex.Selection(linked_sets=["storage-chemistry-2026"]))
    assert "source/inbox/archive/2026-02-03-lumen-labs-sodium-ion-whitepaper" in lset
    assert any(k.startswith("claim/domains/energy-storage/sodium-ion") for k in lset)
    around0 = ids_of(kb, ex.Selection(around=NEG, depth=0))
    assert around0 == {"claim/domains/grid-policy/" + NEG.replace(" ", "-")}
    around1 = ids_of(kb, ex.Selection(around=NEG, depth=1))
    assert "source/inbox/archive/2026-03-05-gridwatch-x-archive" in around1 and len(around1) < len(kb.model.nodes)
    around2 = ids_of(kb, ex.Selection(around=NEG, depth=2))
    assert around1 < around2
    g = nx.read_graphml(io.BytesIO(dump(kb, "graphml", ex.Selection(around=NEG, depth=1))))
    sub = ex.select(kb, ex.Selection(around=NEG, depth=1))
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(sub.nodes), len(sub.edges))
    rdf = Graph().parse(data=dump(kb, "turtle", ex.Selection(classes=["Tag"])), format="turtle")
    assert len(set(rdf.subjects())) == len(ids_of(kb, ex.Selection(classes=["Tag"])))


def test_export_over_http(kb):
    async def fn(c, _):
        return (
            await c.get("/export?format=graphml&around=" + NEG + "&depth=1"),
            await c.get("/export?format=teleo-app"),
            await c.get("/export?format=bmp"),
        )

    graphml, app, bad = call(kb, fn)
    assert graphml.headers["content-disposition"] == 'attachment; filename="codex-graph.graphml"'
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert nx.read_graphml(io.BytesIO(graphml.content)).number_of_nodes() > 5
    assert app.headers["content-disposition"] == 'attachment; filename="graph-data.json"' and app.json()["nodes"]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_format"
