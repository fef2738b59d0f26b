"""`codex-graph`: a thin command line over the core calls in `graph/` (one call per command).

Heavy libraries are imported inside the commands so that `--help` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from graph.errors import CodexGraphError, UsageError

if TYPE_CHECKING:
    from graph.compiler import KnowledgeBase

ROOT_HELP = "Knowledge-base root (default: the sample knowledge base in inbox/)."


class _Group(click.Group):
    """Translates codex-graph errors into one CLI error line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CodexGraphError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(2 if isinstance(exc, UsageError) else 1)


def _progress() -> Any:
    """A click progress bar on a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None
    bar: Any = None

    def tick(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="compiling", file=sys.stderr)
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    return tick


def _build(ctx: click.Context, root: str | None, *, progress: bool = False, force: bool = False, serving: bool = False) -> Any:
    """Compile through the persisted store (reused when nothing changed), or in memory with --no-store."""
    from graph.compiler import DEFAULT_BASE, compile_kb
    from graph.store import BuildResult, build

    opts = ctx.find_root().obj
    base = opts["base"] or DEFAULT_BASE
    tick = _progress() if progress else None
    if opts["no_store"]:
        return BuildResult(compile_kb(root, base=base, progress=tick), "in memory")
    return build(root, opts["store"], force=force, base=base, progress=tick, serving=serving)


def _compile(ctx: click.Context, root: str | None, *, progress: bool = False) -> KnowledgeBase:
    return _build(ctx, root, progress=progress).kb


def _summary_text(s: dict[str, Any]) -> str:
    refs = s["references"]
    lines = [
        f"root: {s['root']}",
        f"files: {s['files_seen']} seen, {s['files_in_graph']} in graph, {s['files_diagnostics_only']} in diagnostics only",
        f"nodes: {s['nodes']}    edges: {s['edges']}",
        "nodes by class:",
        *[f"  {cls:<20} {n:>6}" for cls, n in s["nodes_by_class"].items()],
        f"references: {refs['total']} total, {refs['resolved']} resolved, "
        f"{refs['unresolved']} unresolved, {refs['ambiguous']} ambiguous",
        "  by method: " + ", ".join(f"{k} {v}" for k, v in refs["by_method"].items()),
        "diagnostics: " + (", ".join(f"{n} {sev}" for sev, n in s["diagnostics"].items()) or "none"),
    ]
    return "\n".join(lines)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--base", default=None, help="Base IRI of the graph's nodes.")
@click.option(
    "--store",
    "store",
    default=None,
    type=click.Path(file_okay=False),
    help="Store directory of the compiled graph (default: ~/.cache/codex-graph/<root hash>).",
)
@click.option("--no-store", is_flag=True, help="Compile in memory; read and write no store.")
@click.version_option(package_name="codex-graph")
@click.pass_context
def main(ctx: click.Context, base: str | None, store: str | None, no_store: bool) -> None:
    """Compile a knowledge base of Markdown sources and claims into one graph, and query it.

    Commands reuse the compiled store while no file has changed, and recompile only what did.
    """
    ctx.obj = {"base": base, "store": store, "no_store": no_store or bool(os.environ.get("CODEX_GRAPH_NO_STORE"))}


@main.command()
@click.argument("root", required=False)
@click.option("--force", is_flag=True, help="Compile from scratch, ignoring the store.")
@click.pass_context
def build(ctx: click.Context, root: str | None, force: bool) -> None:
    """Compile ROOT into its store and print a summary (counts by class, edges, references, diagnostics)."""
    result = _build(ctx, root, progress=True, force=force)
    click.echo(_summary_text(result.kb.summary()))
    where = f" in {result.kb.store_dir}" if result.kb.store_dir else ""
    detail = f": {len(result.changed)} changed, {len(result.removed)} removed" if result.status == "incremental" else ""
    click.echo(f"store: {result.status}{detail}{where}")


@main.command()
@click.argument("root", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def stats(ctx: click.Context, root: str | None, as_json: bool) -> None:
    """The compile summary of ROOT, as text or JSON (files_seen, counts by class, ...)."""
    kb = _compile(ctx, root)
    s = kb.summary()
    click.echo(json.dumps(s, indent=2) if as_json else _summary_text(s))


@main.command()
@click.argument("args", nargs=-1, required=True, metavar="[ROOT] SPARQL")
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    help="table, json, csv, tsv or xml for SELECT/ASK; CONSTRUCT/DESCRIBE print Turtle (or nt, jsonld, rdfxml).",
)
@click.pass_context
def query(ctx: click.Context, args: tuple[str, ...], fmt: str) -> None:
    """Run a SPARQL query over the graph of ROOT. Use - as SPARQL to read it from stdin."""
    from graph import query as q

    if len(args) > 2:
        raise UsageError("expected [ROOT] SPARQL")
    root, sparql = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    if sparql == "-":
        sparql = sys.stdin.read()
    if fmt not in q.RESULT_FORMATS and fmt not in q.GRAPH_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join([*q.RESULT_FORMATS, *q.GRAPH_FORMATS])}")
    form = q.check(sparql)
    if form in ("SELECT", "ASK") and fmt not in q.RESULT_FORMATS:
        raise UsageError(f"format {fmt!r} is for CONSTRUCT/DESCRIBE; SELECT and ASK take {', '.join(q.RESULT_FORMATS)}")
    kb = _compile(ctx, root)
    _form, body = q.run(kb, sparql, fmt)
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


@main.command()
@click.argument("args", nargs=-1, metavar="[ROOT] [REF]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per reference: ref, file, method, score, candidates.")
@click.option("--from", "from_file", default=None, help="Resolve as if written in this file (root-relative path).")
@click.pass_context
def resolve(ctx: click.Context, args: tuple[str, ...], as_json: bool, from_file: str | None) -> None:
    """Resolve references to the files they mean.

    If the first argument is a directory it is the root. With no REF, references are read
    from stdin, one per line, as REF or FROM_FILE<TAB>REF.
    """
    items = list(args)
    root = None
    if items and os.path.isdir(items[0]):
        root = items.pop(0)
    pairs: list[tuple[str | None, str]] = [(from_file, r) for r in items]
    if not pairs:
        for line in sys.stdin.read().splitlines():
            if not line.strip():
                continue
            src, _, ref = line.partition("\t") if "\t" in line else ("", "", line)
            pairs.append((src or from_file, ref))
    kb = _compile(ctx, root)
    for src, ref in pairs:
        res = kb.resolver.resolve(ref, "links_to", src)
        if as_json:
            click.echo(json.dumps(res.to_dict(), ensure_ascii=False))
        else:
            shown = res.file or (f"(ambiguous: {', '.join(res.candidates)})" if res.method == "ambiguous" else "(unresolved)")
            click.echo(f"{ref}\t{shown}" if len(pairs) > 1 else shown)


@main.command()
@click.argument("root", required=False)
@click.option(
    "--format",
    "fmt",
    default="turtle",
    show_default=True,
    help="turtle, nt, jsonld, rdfxml, graphml, gexf, node-link, cytoscape, csv (a zip of nodes.csv and "
    "edges.csv) or teleo-app (graph-data.json).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None, help="File to write (default: stdout)."
)
@click.option("--class", "classes", multiple=True, help="Keep only nodes of this class (repeatable; e.g. Claim, Source, Author).")
@click.option("--domain", "domains", multiple=True, help="Keep documents of this domain and what describes them (repeatable).")
@click.option("--linked-set", "linked_sets", multiple=True, help="Keep the sources of this linked set and their claims.")
@click.option("--around", default=None, help="Keep the neighbourhood of this node (any reference).")
@click.option("--depth", default=1, show_default=True, type=int, help="Hops around --around.")
@click.pass_context
def export(
    ctx: click.Context,
    root: str | None,
    fmt: str,
    output: str | None,
    classes: tuple[str, ...],
    domains: tuple[str, ...],
    linked_sets: tuple[str, ...],
    around: str | None,
    depth: int,
) -> None:
    """Write the graph of ROOT, or the part the filters select, in one format."""
    from graph import export as ex

    ex.get_format(fmt)
    kb = _compile(ctx, root)
    sel = ex.Selection(list(classes), list(domains), list(linked_sets), around, depth)
    if output:
        with open(output, "wb") as fh:
            ex.export(kb, fmt, fh, sel)
        click.echo(f"wrote {output}", err=True)
    else:
        ex.export(kb, fmt, sys.stdout.buffer, sel)


@main.command()
@click.argument("root", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit status 1.",
)
@click.option("--no-shacl", is_flag=True, help="Skip SHACL validation (references and parsing only).")
@click.pass_context
def check(ctx: click.Context, root: str | None, as_json: bool, fail_on: str, no_shacl: bool) -> None:
    """Validate ROOT: SHACL shapes, broken and ambiguous references, parse problems.

    Exits 1 when a finding at --fail-on severity or worse is found, so a knowledge base can
    gate its pull requests on it.
    """
    from graph.check import check as run_check

    kb = _compile(ctx, root)
    report = run_check(kb, shacl=not no_shacl)
    if as_json:
        click.echo(json.dumps(report.to_dict(fail_on), indent=2, ensure_ascii=False))
    else:
        for f in report.findings:
            where = f"{f.path}:{f.line}" if f.line else (f.path or f.focus or "?")
            click.echo(f"{f.severity:<7} {where}: [{f.code}] {f.message}")
        c = report.counts()
        click.echo(f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} info")
    ctx.exit(1 if report.failed(fail_on) else 0)


@main.command()
@click.argument("root", required=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--watch", is_flag=True, help="Recompile when files change and swap the graph in atomically.")
@click.option("--timeout", "query_timeout", default=5.0, show_default=True, type=float, help="SPARQL time limit (s).")
@click.option("--max-rows", default=10_000, show_default=True, type=int, help="SPARQL result-size cap.")
@click.option("--workers", "query_workers", default=2, show_default=True, type=int, help="SPARQL worker processes.")
@click.option("--cors", multiple=True, help="Origin allowed by CORS (repeatable; '*' for any).")
@click.option(
    "--http-workers", default=1, show_default=True, type=int, help="HTTP worker processes; they share one persisted store."
)
@click.option("--no-response-cache", is_flag=True, help="Answer every GET afresh (no per-generation response cache).")
@click.option("--no-warm-layout", is_flag=True, help="Lay out the explorer's view on first visit, not at start-up.")
@click.option(
    "--sparql-endpoint",
    default=None,
    help="Answer from this remote SPARQL 1.1 query endpoint (filled by `push`) instead of compiling ROOT.",
)
@click.option("--graph", "graph_iri", default=None, help="Named graph in the remote store (default: the base IRI).")
@click.pass_context
def serve(
    ctx: click.Context,
    root: str | None,
    host: str,
    port: int,
    watch: bool,
    query_timeout: float,
    max_rows: int,
    query_workers: int,
    cors: tuple[str, ...],
    http_workers: int,
    no_response_cache: bool,
    no_warm_layout: bool,
    sparql_endpoint: str | None,
    graph_iri: str | None,
) -> None:
    """Compile ROOT and serve it: SPARQL at /sparql, the JSON API, OpenAPI docs at /docs, the explorer at /."""
    import dataclasses
    import json

    import uvicorn

    from api.app import Settings, create_app

    settings = Settings(
        query_timeout=query_timeout,
        max_rows=max_rows,
        workers=query_workers,
        cors_origins=list(cors),
        watch=watch,
        warm_layout=not no_warm_layout,
        response_cache=not no_response_cache,
        sparql_endpoint=sparql_endpoint,
        graph=graph_iri,
    )
    if sparql_endpoint:
        from graph.compiler import DEFAULT_BASE
        from graph.remote import load

        if watch or http_workers > 1:
            raise UsageError("--sparql-endpoint serves a remote store: no --watch, one HTTP worker")
        kb = load(sparql_endpoint, graph_iri, ctx.find_root().obj["base"] or DEFAULT_BASE)
        click.echo(f"serving {sparql_endpoint} ({len(kb.model.nodes)} nodes) on http://{host}:{port}", err=True)
        uvicorn.run(create_app(kb, settings), host=host, port=port, log_level="warning", access_log=False)
        return
    result = _build(ctx, root, progress=True, serving=True)
    kb = result.kb
    click.echo(f"serving {kb.root} ({len(kb.model.nodes)} nodes, store {result.status}) on http://{host}:{port}", err=True)
    if http_workers <= 1:
        uvicorn.run(create_app(kb, settings), host=host, port=port, log_level="warning", access_log=False)
        return
    if watch:
        raise UsageError("--watch needs a single HTTP worker (one process rebuilds the store)")
    if kb.store_dir is None:
        raise UsageError("several HTTP workers share a persisted store; drop --no-store")
    os.environ.update(
        CODEX_GRAPH_ROOT=str(kb.root),
        CODEX_GRAPH_STORE=str(kb.store_dir),
        CODEX_GRAPH_BASE=kb.base,
        CODEX_GRAPH_SETTINGS=json.dumps(dataclasses.asdict(settings)),
    )
    del result, kb  # each worker loads the store itself; this process only supervises them
    from api.workers import run as run_workers

    run_workers(host, port, http_workers)


@main.command()
@click.argument("root", required=False)
@click.option("--endpoint", required=True, help="Graph Store HTTP Protocol endpoint, e.g. http://127.0.0.1:7878/store.")
@click.option("--graph", "graph_iri", default=None, help="Named graph to replace (default: the base IRI).")
@click.pass_context
def push(ctx: click.Context, root: str | None, endpoint: str, graph_iri: str | None) -> None:
    """Load the graph of ROOT into a SPARQL 1.1 store, replacing its named graph in one PUT."""
    from graph.remote import push as push_graph

    kb = _compile(ctx, root)
    out = push_graph(kb, endpoint, graph_iri)
    click.echo(f"pushed {out['triples_sent']} triples ({out['bytes']} bytes) into <{out['graph']}> at {endpoint}")


if __name__ == "__main__":  # pragma: no cover
    main()
