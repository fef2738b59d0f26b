"""The command line, through click's runner: every command, formats, stdin, errors and exits."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from cli.main import main
from graph.compiler import compile_kb

from .conftest import claim, write_kb

TITLE = "cheap cells make storage win"


@pytest.fixture
def root(tmp_path):
    return str(
        write_kb(
            tmp_path / "kb",
            {
                f"domains/x/{TITLE}.md": claim(TITLE, "See [[other claim]] and [[never written]]."),
                "domains/x/other claim.md": claim("other claim"),
                "inbox/archive/s.md": "---\ntype: source\ntitle: S\nauthor: A B\nurl: https://e.org\ndate: 2026-01-02\n"
                'domain: x\nstatus: processed\nformat: paper\nclaims_extracted: ["other claim"]\n---\n',
            },
        )
    )


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_help_on_every_command():
    for cmd in ["", "build", "stats", "query", "resolve", "export", "check", "serve"]:
        r = run(*(cmd.split() + ["--help"]))
        assert r.exit_code == 0 and "Usage:" in r.output


def test_build_and_stats(root):
    r = run("build", root)
    assert r.exit_code == 0
    assert "files: 3 seen, 3 in graph, 0 in diagnostics only" in r.output
    assert "references: 3 total, 2 resolved, 1 unresolved, 0 ambiguous" in r.output
    s = json.loads(run("stats", root, "--json").output)
    assert s["files_seen"] == 3 and s["nodes_by_class"]["Claim"] == 2 and s["nodes_by_class"]["Source"] == 1
    assert s["references"]["unresolved"] == 1


def test_default_root_is_the_sample():
    s = json.loads(run("stats", "--json").output)
    assert s["root"].endswith("inbox") and s["files_seen"] >= 40 and s["nodes_by_class"]["Tweet"] >= 8


Q = "PREFIX cg: <https://codex-graph.dev/ontology#> SELECT ?t WHERE { ?c a cg:Claim ; cg:sourcePath ?t } ORDER BY ?t"


def test_query_formats(root):
    table = run("query", root, Q)
    assert table.exit_code == 0 and "(2 rows)" in table.output and f"domains/x/{TITLE}.md" in table.output
    js = json.loads(run("query", root, Q, "--format", "json").output)
    assert [b["t"]["value"] for b in js["results"]["bindings"]] == [
        "domains/x/cheap cells make storage win.md",
        "domains/x/other claim.md",
    ]
    rows = list(csv.reader(io.StringIO(run("query", root, Q, "--format", "csv").output)))
    assert rows[0] == ["t"] and len(rows) == 3
    tsv = run("query", root, Q, "--format", "tsv").output.splitlines()
    assert tsv[0] == "?t" and tsv[1].startswith('"domains/x/')
    xml = run("query", root, Q, "--format", "xml").output
    assert "<sparql" in xml
    ask = run("query", root, "ASK { ?s a <https://codex-graph.dev/ontology#Source> }", "--format", "json")
    assert json.loads(ask.output)["boolean"] is True
    construct = run("query", root, "CONSTRUCT WHERE { ?s a <https://codex-graph.dev/ontology#Claim> }")
    g = Graph().parse(data=construct.output, format="turtle")
    assert len(g) == 2
    assert run("query", root, "-", input=Q).output == table.output


def test_query_errors(root):
    r = run("query", root, "SELECT * WHERE { ?s ?p }")
    assert r.exit_code == 2 and "SPARQL syntax error" in r.output
    r = run("query", root, "INSERT DATA { <a> <b> <c> }")
    assert r.exit_code == 2 and "read-only" in r.output
    r = run("query", root, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert r.exit_code == 2 and "SERVICE" in r.output
    r = run("query", root, Q, "--format", "yaml")
    assert r.exit_code == 2 and "unknown format" in r.output


def test_bad_root(tmp_path):
    r = run("build", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "does not exist" in r.output


def test_resolve(root):
    r = run("resolve", root, "cheap-cells-make-storage")
    assert r.exit_code == 0 and r.output.strip() == f"domains/x/{TITLE}.md"
    lines = run("resolve", root, "--json", "other claim", "never written").output.splitlines()
    first, second = (json.loads(x) for x in lines)
    assert first == {"ref": "other claim", "file": "domains/x/other claim.md", "method": "exact", "score": 1.0, "candidates": []}
    assert second["file"] is None and second["method"] == "unresolved"
    stdin = f"domains/x/{TITLE}.md\t[[other claim]]\nnever written\n"
    out = [json.loads(x) for x in run("resolve", root, "--json", input=stdin).output.splitlines()]
    assert [o["file"] for o in out] == ["domains/x/other claim.md", None]


def test_export_round_trips(root, tmp_path):
    kb = compile_kb(root)
    for fmt, parse_as in [("turtle", "turtle"), ("nt", "nt")]:
        out = tmp_path / f"g.{fmt}"
        r = run("export", root, "--format", fmt, "-o", str(out))
        assert r.exit_code == 0
        assert isomorphic(Graph().parse(out, format=parse_as), kb.rdf)
    r = run("export", root, "--format", "gif")
    assert r.exit_code == 2 and "unknown export format" in r.output


def test_check_exit_status(root, tmp_path):
    r = run("check", root, "--json")
    report = json.loads(r.output)
    assert r.exit_code == 1 and report["ok"] is False
    assert any(f["code"] == "broken-reference" and "never written" in f["message"] for f in report["findings"])
    clean = write_kb(tmp_path / "clean", {"domains/x/a.md": claim("a", "[[b]]"), "domains/x/b.md": claim("b")})
    r = run("check", str(clean))
    assert r.exit_code == 0, r.output
    assert "0 error(s)" in r.output
