"""The persisted store: reuse, invalidation, incremental rebuild equal to a full one."""

from __future__ import annotations

import os
import time

from click.testing import CliRunner
from rdflib.compare import isomorphic

from cli.main import main
from graph.compiler import compile_kb
from graph.store import build

from .conftest import claim, write_kb

A = "cheap cells make storage win"
B = "queues block storage"


def refs(kb):
    return sorted((r.path, r.raw, r.line, r.target, r.method) for r in kb.model.references)


def same_as_full(kb, root):
    full = compile_kb(root)
    assert refs(kb) == refs(full)
    assert isomorphic(kb.rdf, full.rdf)
    assert sorted((d.path, d.code, d.line) for d in kb.model.diagnostics) == sorted(
        (d.path, d.code, d.line) for d in full.model.diagnostics
    )


def bump(path):
    """Make sure a rewritten file looks changed even on coarse file-system clocks."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))


def test_reuse_invalidation_and_incremental_equals_full(tmp_path):
    root = write_kb(
        tmp_path / "kb",
        {
            f"domains/x/{A}.md": claim(A, f"See [[{B}]] and [[a claim not yet written]]."),
            f"domains/x/{B}.md": claim(B, f"Back to [[{A}]]."),
            "inbox/archive/s.md": f'---\ntype: source\ntitle: S\nclaims_extracted: ["{A}"]\n---\n',
        },
    )
    store = tmp_path / "store"
    first = build(root, store)
    assert first.status == "full"
    again = build(root, store)
    assert again.status == "reused" and again.changed == []
    assert refs(again.kb) == refs(first.kb) and isomorphic(again.kb.rdf, first.kb.rdf)

    # an edited file: only it is re-read, and its links re-resolved
    f = root / "domains" / "x" / f"{B}.md"
    f.write_text(claim(B, "No links any more."))
    bump(f)
    inc = build(root, store)
    assert inc.status == "incremental" and inc.changed == [f"domains/x/{B}.md"]
    same_as_full(inc.kb, root)

    # a new file that a broken link was waiting for, and a twin that makes a link ambiguous
    write_kb(
        root,
        {"domains/x/a claim not yet written.md": claim("a claim not yet written"), f"domains/y/{A}.md": claim(A, domain="y")},
    )
    inc = build(root, store)
    assert sorted(inc.changed) == ["domains/x/a claim not yet written.md", f"domains/y/{A}.md"]
    same_as_full(inc.kb, root)
    methods = {r.raw: r.method for r in inc.kb.model.references}
    assert methods["[[a claim not yet written]]"] == "exact"
    assert methods[A] == "ambiguous"

    # a deleted file: links to it break again
    os.remove(root / "domains" / "x" / "a claim not yet written.md")
    inc = build(root, store)
    assert inc.removed == ["domains/x/a claim not yet written.md"]
    same_as_full(inc.kb, root)

    # touched but unchanged content: re-read, nothing re-parsed as changed
    bump(root / "inbox" / "archive" / "s.md")
    inc = build(root, store)
    assert inc.status == "incremental" and inc.changed == []
    same_as_full(inc.kb, root)

    assert build(root, store, force=True).status == "full"


def test_store_serves_queries_read_only(tmp_path):
    root = write_kb(tmp_path / "kb", {f"domains/x/{A}.md": claim(A), f"domains/x/{B}.md": claim(B, f"[[{A}]]")})
    result = build(root, tmp_path / "store")
    kb = build(root, tmp_path / "store").kb
    assert kb.oxigraph_dir is not None and kb.oxigraph_dir.is_dir()
    rows = list(kb.store.query("SELECT ?s WHERE { ?s a <https://codex-graph.dev/ontology#Claim> }"))
    assert len(rows) == 2
    assert len(kb.store) == len(result.kb.rdf)


def test_cli_build_reports_the_store(tmp_path):
    root = write_kb(tmp_path / "kb", {f"domains/x/{A}.md": claim(A)})
    store = str(tmp_path / "s")
    runner = CliRunner()
    first = runner.invoke(main, ["--store", store, "build", str(root)])
    assert first.exit_code == 0 and "store: full in" in first.output
    second = runner.invoke(main, ["--store", store, "build", str(root)])
    assert "store: reused" in second.output
    time.sleep(0.01)
    (root / "domains" / "x" / "new.md").write_text(claim("new"))
    third = runner.invoke(main, ["--store", store, "build", str(root)])
    assert "store: incremental: 1 changed, 0 removed" in third.output
    forced = runner.invoke(main, ["--store", store, "build", "--force", str(root)])
    assert "store: full" in forced.output
    memory = runner.invoke(main, ["--no-store", "build", str(root)])
    assert "store: in memory" in memory.output


def test_search_index_lives_in_the_store(tmp_path):
    from graph.search import SearchIndex

    root = write_kb(tmp_path / "kb", {f"domains/x/{A}.md": claim(A, "Sodium cells are cheap."), f"domains/x/{B}.md": claim(B)})
    kb = build(root, tmp_path / "store").kb
    first = SearchIndex(kb)
    index_file = tmp_path / "store" / f"{kb.oxigraph_dir.name}.search.sqlite"
    assert index_file.is_file()
    reopened = SearchIndex(build(root, tmp_path / "store").kb)
    assert reopened.search("sodium cells") == first.search("sodium cells")
    assert first.search("sodium cells")["results"][0]["path"] == f"domains/x/{A}.md"
    # the previous build's files are kept for readers still on them; older ones are removed
    (root / "domains" / "x" / "new.md").write_text(claim("new"))
    SearchIndex(build(root, tmp_path / "store").kb)
    assert index_file.exists()
    (root / "domains" / "x" / "newer.md").write_text(claim("newer"))
    SearchIndex(build(root, tmp_path / "store").kb)
    assert not index_file.exists()
    assert len(list((tmp_path / "store").glob("oxigraph-*.search.sqlite"))) == 2


def test_a_server_loads_the_store_light_and_answers_the_same(tmp_path):
    import io
    import shutil
    from pathlib import Path

    from graph import views
    from graph.export import export
    from graph.search import SearchIndex

    root = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parent.parent / "inbox", root)
    full = build(root, tmp_path / "store").kb
    light = build(root, tmp_path / "store", serving=True).kb
    # what the server leaves on disk really is left out
    assert full.model.references and not light.model.references
    assert any(d.body for d in full.model.documents.values())
    assert all(d.body == "" and d.refs == [] for d in light.model.documents.values())
    assert light.resolver._cache == {} and full.resolver._cache

    def without_timings(s):
        return {k: v for k, v in s.items() if k != "timings_s"}

    assert without_timings(light.summary()) == without_timings(full.summary())
    assert isomorphic(light.rdf, full.rdf)
    claims = [n for n in full.model.nodes.values() if n.cls == "Claim"]
    assert claims
    for node in claims:
        other = light.model.nodes[node.key]
        assert views.claim_sources(light, other) == views.claim_sources(full, node)
        assert views.related_claims(light, other) == views.related_claims(full, node)
        assert views.detail(light, other) == views.detail(full, node)
    assert light.resolver.resolve("a title nobody wrote") == full.resolver.resolve("a title nobody wrote")
    assert light.bodies() == full.bodies() and any(light.bodies().values())
    a, b = io.BytesIO(), io.BytesIO()
    export(full, "teleo-app", a)
    export(light, "teleo-app", b)
    assert a.getvalue() == b.getvalue() and b'"challenged": true' in b.getvalue()
    assert SearchIndex(light).search("grid storage") == SearchIndex(full).search("grid storage")


def test_a_store_without_its_search_index_is_loaded_whole(tmp_path):
    """The light records keep no bodies; a store written without a search index (which holds
    them) is loaded in full instead, so search and bodies stay right."""
    from graph.search import SearchIndex

    root = write_kb(tmp_path / "kb", {f"domains/x/{A}.md": claim(A, "Sodium cells are cheap."), f"domains/x/{B}.md": claim(B)})
    pending = build(root, tmp_path / "store", persist=False)
    pending.persist(search_index=False)
    kb = build(root, tmp_path / "store", serving=True).kb
    assert kb.bodies()[f"domains/x/{A}.md"].strip().endswith("Sodium cells are cheap.")
    assert SearchIndex(kb).search("sodium")["results"][0]["path"] == f"domains/x/{A}.md"


def test_incremental_resolution_follows_every_stage(tmp_path, monkeypatch):
    """Each kind of resolution flips when a file it depends on comes or goes, and the
    incremental build keeps up with a full one; an unrelated edit re-resolves nothing."""
    from graph.resolver import Resolver

    solar, grid = "solar storage wins", "grid batteries pay back in seven years across most markets"
    heat, wind = "heat pumps halve household heating bills in cold climates", "wind curtailment rises with penetration"
    body = (
        "[[x/solar storage wins]] [[grid batteries pay bck in seven years across most markets]] "
        "[[heat pumps halve household heating bills in cold clim...]] "
        f"[[old/place/{wind}]] [[{solar} — see also the grid study]] [[a claim nobody wrote yet about tidal power]]"
    )
    root = write_kb(
        tmp_path / "kb",
        {
            "domains/r/refs.md": claim("refs", body, domain="r"),
            f"domains/x/{solar}.md": claim(solar, domain="x"),
            f"domains/g/{grid}.md": claim(grid, domain="g"),
            f"domains/h/{heat}.md": claim(heat, domain="h"),
            f"domains/w/{wind}.md": claim(wind, domain="w"),
            "domains/u/unrelated.md": claim("unrelated", domain="u"),
        },
    )
    store = tmp_path / "store"
    first = build(root, store)
    methods = {r.raw: r.method for r in first.kb.model.references if r.path == "domains/r/refs.md"}
    assert sorted(methods.values()) == ["annotation", "fuzzy", "moved-path", "path-suffix", "prefix", "unresolved"]

    steps = [
        {f"other/x/{solar}.md": claim(solar, domain="o")},  # the path suffix now names two files
        {"domains/g/grid batteries pay back in seven years across most market.md": claim("near twin", domain="g")},
        {"domains/h/heat pumps halve household heating bills in cold climates and towns.md": claim("heat 2", domain="h")},
        {"domains/t/a claim nobody wrote yet about tidal power.md": claim("tidal", domain="t")},
        {f"elsewhere/{wind}.md": claim(wind, domain="e")},
    ]
    for files in steps:
        write_kb(root, files)
        inc = build(root, store)
        assert inc.status == "incremental"
        same_as_full(inc.kb, root)
    os.remove(root / "domains" / "g" / f"{grid}.md")
    same_as_full(build(root, store).kb, root)

    calls = []
    original = Resolver._candidates
    monkeypatch.setattr(Resolver, "_candidates", lambda self, ref: calls.append(ref) or original(self, ref))
    (root / "domains" / "u" / "unrelated.md").write_text(claim("unrelated", "Nothing shared here.", domain="u"))
    bump(root / "domains" / "u" / "unrelated.md")
    inc = build(root, store)
    assert inc.changed == ["domains/u/unrelated.md"]
    assert calls == [], calls  # every answer was carried over, none resolved again
    same_as_full(inc.kb, root)
