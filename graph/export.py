"""Graph dumps: a table of export formats, and filters that cut the graph before it is written.

Every format writes to a binary stream, so the CLI writes files and the API streams the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .compiler import KnowledgeBase
from .errors import UnknownFormatError, UsageError
from .model import Model

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"

# node props copied onto flat graph-tool nodes (GraphML, GEXF, CSV, node-link, Cytoscape)
FLAT_FIELDS = ("domain", "date", "created", "format", "status", "confidence", "url", "description")
FLAT_PROPS = ("status_id", "url", "likes", "theme", "handle", "text")
FLAT_EDGE = ("raw", "method", "score", "field")


@dataclass
class Selection:
    """Which part of the graph to dump: node classes, domains, linked sets, a neighbourhood."""

    classes: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    linked_sets: list[str] = field(default_factory=list)
    around: str | None = None
    depth: int = 1

    @property
    def everything(self) -> bool:
        return not (self.classes or self.domains or self.linked_sets or self.around)


def select(kb: KnowledgeBase, sel: Selection) -> Model:
    """The sub-model that a selection keeps (the whole model when it keeps everything)."""
    m = kb.model
    if sel.everything:
        return m
    if sel.depth < 0 or sel.depth > 10:
        raise UsageError("depth must be 0..10")
    out_edges, in_edges = m.adjacency()
    keep: set[str] | None = None

    def with_context(seeds: set[str]) -> set[str]:
        """Documents plus the value nodes (tags, authors, tweets...) that describe them."""
        result = set(seeds)
        for key in seeds:
            for e in out_edges.get(key, []):
                if "fields" not in m.nodes[e.dst].props:
                    result.add(e.dst)
        return result

    if sel.domains:
        wanted = {f"domain/{d}" for d in sel.domains} | {d for d in sel.domains}
        seeds = {e.src for e in m.edges if e.kind in ("in_domain", "secondary_domain") and e.dst in wanted}
        keep = with_context(seeds)
    if sel.linked_sets:
        wanted = {f"linked-set/{s}" for s in sel.linked_sets} | set(sel.linked_sets)
        seeds = {e.src for e in m.edges if e.kind == "in_linked_set" and e.dst in wanted}
        seeds |= {e.dst for s in list(seeds) for e in out_edges.get(s, []) if e.kind in ("extracted", "enriched")}
        found = with_context(seeds)
        keep = found if keep is None else keep & found
    if sel.around:
        from .views import find

        start = find(kb, sel.around).key
        frontier, seen = {start}, {start}
        for _ in range(sel.depth):
            nxt: set[str] = set()
            for key in frontier:
                nxt |= {e.dst for e in out_edges.get(key, [])} | {e.src for e in in_edges.get(key, [])}
            frontier = nxt - seen
            seen |= nxt
        keep = seen if keep is None else keep & seen
    if sel.classes:
        groups = {"author": {"Person", "Organization"}}
        classes = {c for name in sel.classes for c in groups.get(name.lower(), {name})}
        lowered = {c.lower() for c in classes}
        pool = keep if keep is not None else set(m.nodes)
        keep = {k for k in pool if m.nodes[k].cls.lower() in lowered}
    return subset(m, keep or set())


def subset(m: Model, keep: Iterable[str]) -> Model:
    """A model holding only the given nodes and the edges between them."""
    keys = set(keep)
    out = Model(files_seen=m.files_seen)
    out.nodes = {k: n for k, n in m.nodes.items() if k in keys}
    out.edges = [e for e in m.edges if e.src in keys and e.dst in keys]
    out.documents = {p: d for p, d in m.documents.items() if m.doc_keys.get(p) in keys}
    out.doc_keys = {p: k for p, k in m.doc_keys.items() if k in keys}
    out.references = [r for r in m.references if m.doc_keys.get(r.path) in keys]
    out.diagnostics = [d for d in m.diagnostics if d.path in out.documents]
    return out


def flat_graph(m: Model) -> Any:
    """A networkx MultiDiGraph whose attributes are all scalars, for graph-tool formats."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for node in m.nodes.values():
        attrs: dict[str, Any] = {"label": node.label, "cls": node.cls}
        if node.path:
            attrs["path"] = node.path
        if node.line:
            attrs["line"] = node.line
        fields = node.props.get("fields", {})
        for name in FLAT_FIELDS:
            value = fields.get(name)
            if isinstance(value, list):
                value = value[0] if value and isinstance(value[0], (str, int, float)) else None
            if isinstance(value, (str, int, float)) and value != "":
                attrs[name] = value
        for name in FLAT_PROPS:
            value = node.props.get(name)
            if isinstance(value, (str, int, float)) and value != "":
                attrs[name] = value
        g.add_node(node.key, **attrs)
    for i, e in enumerate(m.edges):
        attrs = {"kind": e.kind, "id": f"e{i}"}
        if e.path:
            attrs["path"] = e.path
        if e.line:
            attrs["line"] = e.line
        for name in FLAT_EDGE:
            value = e.props.get(name)
            if isinstance(value, (str, int, float)) and value != "":
                attrs[name] = value
        g.add_edge(e.src, e.dst, key=f"e{i}", **attrs)
    return g


def _rdf(name: str, **options: Any) -> Callable[[KnowledgeBase, Model, IO[bytes]], None]:
    """Formats written by rdflib: JSON-LD, compacted with the shipped context."""

    def write(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
        from .rdf import to_rdf

        graph = kb.rdf if m is kb.model else to_rdf(m, kb.base)
        extra = dict(options)
        if name == "json-ld":
            extra["context"] = json.loads((ONTOLOGY_DIR / "context.jsonld").read_text(encoding="utf-8"))["@context"]
        graph.serialize(destination=out, format=name, encoding="utf-8", **extra)

    return write


def _oxigraph(name: str) -> Callable[[KnowledgeBase, Model, IO[bytes]], None]:
    """Turtle, N-Triples, RDF/XML written by pyoxigraph (fast, deduplicated, prefixed)."""

    def write(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
        import pyoxigraph as ox

        from .rdf import prefix_map, write_ntriples

        buf = io.BytesIO()
        write_ntriples(m, kb.base, buf)
        triples = list(dict.fromkeys(q.triple for q in ox.parse(input=buf.getvalue(), format=ox.RdfFormat.N_TRIPLES)))
        prefixes = prefix_map(kb.base)
        fmt = getattr(ox.RdfFormat, name)
        ox.serialize(triples, out, fmt, prefixes=prefixes if name in ("TURTLE", "RDF_XML") else None)

    return write


def _graphml(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    import networkx as nx

    nx.write_graphml(flat_graph(m), out, named_key_ids=True)


def _gexf(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    import networkx as nx

    nx.write_gexf(flat_graph(m), out)


def _node_link(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    import networkx as nx

    data = nx.node_link_data(flat_graph(m), edges="edges")
    out.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _cytoscape(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    import networkx as nx

    data = nx.cytoscape_data(flat_graph(m))
    out.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _csv(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    g = flat_graph(m)
    node_cols = ["id", "label", "cls", "path", "line", *FLAT_FIELDS, *FLAT_PROPS]
    edge_cols = ["id", "source", "target", "kind", "path", "line", *FLAT_EDGE]
    nodes, edges = io.StringIO(), io.StringIO()
    nw = csv.DictWriter(nodes, node_cols, extrasaction="ignore")
    nw.writeheader()
    for key, attrs in g.nodes(data=True):
        nw.writerow({"id": key, **attrs})
    ew = csv.DictWriter(edges, edge_cols, extrasaction="ignore")
    ew.writeheader()
    for src, dst, attrs in g.edges(data=True):
        ew.writerow({"source": src, "target": dst, **attrs})
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("nodes.csv", nodes.getvalue())
        z.writestr("edges.csv", edges.getvalue())


def _teleo_app(kb: KnowledgeBase, m: Model, out: IO[bytes]) -> None:
    from .teleo import graph_data

    out.write(json.dumps(graph_data(m, kb.bodies()), ensure_ascii=False, indent=1).encode("utf-8"))


@dataclass(frozen=True)
class ExportFormat:
    """A dump format: media type, file extension and writer."""

    media_type: str
    extension: str
    write: Callable[[KnowledgeBase, Model, IO[bytes]], None]


FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("text/turtle", "ttl", _oxigraph("TURTLE")),
    "nt": ExportFormat("application/n-triples", "nt", _oxigraph("N_TRIPLES")),
    "jsonld": ExportFormat("application/ld+json", "jsonld", _rdf("json-ld")),
    "rdfxml": ExportFormat("application/rdf+xml", "rdf", _oxigraph("RDF_XML")),
    "graphml": ExportFormat("application/graphml+xml", "graphml", _graphml),
    "gexf": ExportFormat("application/gexf+xml", "gexf", _gexf),
    "node-link": ExportFormat("application/json", "node-link.json", _node_link),
    "cytoscape": ExportFormat("application/json", "cytoscape.json", _cytoscape),
    "csv": ExportFormat("application/zip", "csv.zip", _csv),
    "teleo-app": ExportFormat("application/json", "graph-data.json", _teleo_app),
}


def get_format(name: str) -> ExportFormat:
    """The export format called name, or a clear error listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormatError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}") from None


def export(kb: KnowledgeBase, name: str, out: IO[bytes], sel: Selection | None = None) -> None:
    """Write the selected part of the graph (all of it by default) to out in the named format."""
    fmt = get_format(name)
    fmt.write(kb, select(kb, sel or Selection()), out)


def filename(name: str) -> str:
    """A sensible download name for a format."""
    return "codex-graph." + get_format(name).extension if name != "teleo-app" else "graph-data.json"
