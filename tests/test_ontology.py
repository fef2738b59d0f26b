"""The vocabulary declares every term the compiler emits; SHACL shapes catch bad files."""

from __future__ import annotations

from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

from graph.check import check
from graph.compiler import compile_kb

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
CG = "https://codex-graph.dev/ontology#"


def vocabulary() -> Graph:
    return Graph().parse(ONTOLOGY / "codex.ttl", format="turtle")


def test_every_emitted_cg_term_is_declared_with_label_and_type():
    vocab = vocabulary()
    kb = compile_kb()  # the sample knowledge base in inbox/
    used = {p for p in kb.rdf.predicates() if str(p).startswith(CG)}
    used |= {o for o in kb.rdf.objects(None, RDF.type) if str(o).startswith(CG)}
    declared = {s for s in vocab.subjects(RDF.type, None) if str(s).startswith(CG)}
    assert used, "the sample must use the vocabulary"
    assert used - declared == set()
    for term in declared:
        assert vocab.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) is not None, term
    classes = set(vocab.subjects(RDF.type, OWL.Class))
    assert URIRef(CG + "Claim") in classes and URIRef(CG + "Tweet") in classes


def test_shapes_report_a_malformed_source_and_claim(make_kb):
    kb = make_kb(
        {
            "inbox/archive/bad.md": "---\ntype: source\ntitle: No author\nstatus: maybe\ndate: someday\n---\n",
            "domains/x/claim.md": "---\ntype: claim\nconfidence: certain\n---\n",
            "inbox/archive/good.md": "---\ntype: source\ntitle: Fine\nauthor: A B\nurl: https://e.org\n"
            "date: 2026-01-00\ndomain: x\nstatus: processed\nformat: paper\n---\n",
        }
    )
    report = check(kb)
    shacl = [f for f in report.findings if f.code.startswith("shacl")]
    bad = {(f.code, f.severity) for f in shacl if f.path == "inbox/archive/bad.md"}
    assert {("shacl:creator", "error"), ("shacl:url", "error"), ("shacl:date", "error"), ("shacl:status", "error")} <= bad
    claim = {f.code for f in shacl if f.path == "domains/x/claim.md"}
    assert {"shacl:confidence", "shacl:description", "shacl:domain"} <= claim
    assert [f for f in shacl if f.path == "inbox/archive/good.md"] == []
    assert report.failed("error")


def test_check_passes_a_clean_kb(make_kb):
    kb = make_kb(
        {
            "inbox/archive/good.md": "---\ntype: source\ntitle: Fine\nauthor: A B\nurl: https://e.org\n"
            "date: 2026-01-02\ndomain: x\nstatus: processed\nformat: paper\n---\n"
        }
    )
    report = check(kb)
    assert report.findings == [] and not report.failed("warning")
