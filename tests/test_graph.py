"""The compiled graph: nodes and edges of every kind, provenance, values, IRIs, both emitters."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph.compiler import compile_kb
from graph.rdf import CG, CGF

from .conftest import claim, write_kb

SOURCE = """\
---
type: source
title: "Storage outlook"
author: "Grid Institute"
url: https://example.org/outlook
date: 2026-02-00
domain: storage
format: report
status: processed
processed_by: volta
claims_extracted: "cheap cells"
enrichments_applied:
  - "cheap-cells.md"
tags: solar
linked_set: outlook-set
mystery_field: {nested: [1, 2]}
---

Body mentions [[cheap cells|the cells claim]].
"""

LEGACY = """\
---
type: evidence
source: https://example.org/legacy
author: "Jo Bloggs"
date_published: 2025-11-12
source_type: paper
domain: storage
status: processed
claims_extracted: []
---
"""


def kinds(kb, src, kind):
    return sorted(e.dst for e in kb.model.edges if e.src == src and e.kind == kind)


def test_source_fields_edges_and_provenance(make_kb):
    kb = make_kb(
        {
            "inbox/archive/outlook.md": SOURCE,
            "inbox/archive/legacy.md": LEGACY,
            "domains/storage/cheap cells.md": claim("cheap cells", "Depends on [[other claim]].", domain="storage").replace(
                "created: 2026-01-01\n",
                'created: 2026-01-01\nsecondary_domains: policy\ndepends_on: ["[[other claim]]"]\nchallenged_by: other claim\n',
            ),
            "domains/storage/other claim.md": claim("other claim", domain="storage"),
            "entities/gridco.md": "---\ntype: entity\nname: GridCo\ntracked_by: volta\n---\nSee [[cheap cells]].\n",
        }
    )
    src = "source/inbox/archive/outlook"
    c = "claim/domains/storage/cheap-cells"
    assert kinds(kb, src, "extracted") == [c]
    assert kinds(kb, src, "enriched") == [c]
    assert kinds(kb, src, "links_to") == [c]
    assert kinds(kb, src, "authored_by") == ["author/grid-institute"]
    assert kb.model.nodes["author/grid-institute"].cls == "Organization"
    assert kinds(kb, src, "tagged") == ["tag/solar"]
    assert kinds(kb, src, "in_linked_set") == ["linked-set/outlook-set"]
    assert kinds(kb, src, "processed_by") == ["agent/volta"]
    assert kinds(kb, src, "in_domain") == ["domain/storage"]
    assert kinds(kb, c, "secondary_domain") == ["domain/policy"]
    assert kinds(kb, c, "depends_on") == ["claim/domains/storage/other-claim"]
    assert kinds(kb, c, "challenged_by") == ["claim/domains/storage/other-claim"]
    assert kinds(kb, c, "links_to") == ["claim/domains/storage/other-claim"]
    assert kinds(kb, "entity/entities/gridco", "mentions") == [c]
    assert kinds(kb, "entity/entities/gridco", "tracked_by") == ["agent/volta"]
    # every node from a file carries its path; references carry their line
    for node in kb.model.nodes.values():
        if node.cls in ("Source", "Claim", "Entity"):
            assert node.path and "\\" not in node.path
    extracted = next(e for e in kb.model.edges if e.kind == "extracted")
    assert extracted.path == "inbox/archive/outlook.md" and extracted.line == 11
    body_link = next(e for e in kb.model.edges if e.src == src and e.kind == "links_to")
    assert body_link.line == 19 and body_link.props["raw"] == "[[cheap cells|the cells claim]]"
    # legacy names map onto current ones; unknown fields are kept
    legacy = kb.model.documents["inbox/archive/legacy.md"]
    assert legacy.kind == "Source"
    assert legacy.fields["url"] == "https://example.org/legacy"
    assert legacy.fields["date"] == "2025-11-12" and legacy.fields["format"] == "paper"
    outlook = kb.model.documents["inbox/archive/outlook.md"]
    assert outlook.extra["mystery_field"] == {"nested": [1, 2]}
    from rdflib.namespace import XSD

    g = kb.rdf
    s = URIRef(kb.iri(src))
    assert (s, CG.dateAsWritten, Literal("2026-02-00")) in g
    assert (s, URIRef("http://purl.org/dc/terms/date"), Literal("2026-02", datatype=XSD.gYearMonth)) in g
    assert g.value(s, CGF.mystery_field) is not None
    assert (URIRef(kb.iri("source/inbox/archive/legacy")), CG["format"], Literal("paper")) in g


def test_rdf_of_a_tiny_kb_is_exactly_this(make_kb):
    kb = make_kb(
        {
            "domains/d/a.md": "---\ntype: claim\ndomain: d\nconfidence: likely\n---\nSee [[b]].\n",
            "domains/d/b.md": "---\ntype: claim\n---\n",
        },
        base="http://ex.org/",
    )
    expected = Graph().parse(
        data="""
        @prefix cg: <https://codex-graph.dev/ontology#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <http://ex.org/claim/domains/d/a> a cg:Claim ; rdfs:label "a" ; dcterms:title "a" ;
            cg:sourcePath "domains/d/a.md" ; cg:docType "claim" ; cg:confidence "likely" ;
            cg:domain <http://ex.org/domain/d> ; cg:linksTo <http://ex.org/claim/domains/d/b> .
        <http://ex.org/claim/domains/d/b> a cg:Claim ; rdfs:label "b" ; dcterms:title "b" ;
            cg:sourcePath "domains/d/b.md" ; cg:docType "claim" .
        <http://ex.org/domain/d> a cg:Domain ; rdfs:label "d" ; cg:sourcePath "domains/d/a.md" ; cg:line 3 .
        <http://ex.org/claim/domains/d/a/ref/1> a cg:Reference ; cg:referrer <http://ex.org/claim/domains/d/a> ;
            cg:relation cg:linksTo ; cg:target <http://ex.org/claim/domains/d/b> ; cg:rawText "[[b]]" ;
            cg:resolution "exact" ; cg:score "1.0"^^xsd:decimal ; cg:line 6 .
    """,
        format="turtle",
    )
    assert isomorphic(kb.rdf, expected)


def test_iris_are_stable_readable_and_rebased(tmp_path):
    root = write_kb(
        tmp_path,
        {
            "domains/d/Some Claim Title.md": claim("Some Claim Title"),
            "domains/d/other.md": claim("other", "[[Some Claim Title]]"),
        },
    )
    a, b = compile_kb(root), compile_kb(root)
    assert isomorphic(a.rdf, b.rdf)
    assert set(a.model.nodes) == set(b.model.nodes)
    assert "claim/domains/d/some-claim-title" in a.model.nodes
    c = compile_kb(root, base="urn:kb:")
    subjects = {str(s) for s in c.rdf.subjects()}
    assert "urn:kb:claim/domains/d/some-claim-title" in subjects
    assert not any(s.startswith("https://codex-graph.dev/kb/") for s in subjects)


def test_networkx_graph_matches_the_model(make_kb):
    kb = make_kb({"inbox/archive/outlook.md": SOURCE, "domains/storage/cheap cells.md": claim("cheap cells")})
    g = kb.nx
    assert g.number_of_nodes() == len(kb.model.nodes)
    assert g.number_of_edges() == len(kb.model.edges)
    assert g.nodes["source/inbox/archive/outlook"]["cls"] == "Source"
    assert g.nodes["source/inbox/archive/outlook"]["path"] == "inbox/archive/outlook.md"
    edge_kinds = {k for _, _, k in g.edges(keys=True)}
    assert {"extracted", "enriched", "authored_by", "tagged"} <= edge_kinds
    import networkx as nx

    assert nx.has_path(g, "source/inbox/archive/outlook", "claim/domains/storage/cheap-cells")
