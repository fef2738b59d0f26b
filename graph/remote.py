"""A remote SPARQL 1.1 store: push the graph with the Graph Store HTTP Protocol, read it back.

`push` replaces one named graph in a single PUT, so readers see the old graph or the new one,
never half of each. `load` rebuilds the typed model from the remote named graph, so the JSON API
can answer from the remote store without the Markdown files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .compiler import DEFAULT_BASE, KnowledgeBase
from .errors import CodexGraphError, UsageError
from .model import Model
from .records import Document, Edge, Node
from .resolver import Resolver


class RemoteError(CodexGraphError):
    """The remote store refused a request or could not be reached."""

    http_status = 502
    code = "remote_store"


def push(kb: KnowledgeBase, endpoint: str, graph: str | None = None, timeout: float = 600.0) -> dict[str, Any]:
    """PUT the graph as N-Triples into `graph` (default: the base IRI) at a GSP endpoint."""
    import httpx

    from .rdf import write_ntriples

    if not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"endpoint must be an http(s) URL, not {endpoint!r}")
    target = graph or kb.base
    with tempfile.TemporaryDirectory(prefix="codex-push-") as tmp:
        path = os.path.join(tmp, "graph.nt")
        with open(path, "wb") as fh:
            triples = write_ntriples(kb.model, kb.base, fh)
        size = os.path.getsize(path)
        try:
            with open(path, "rb") as fh:
                r = httpx.put(
                    endpoint,
                    params={"graph": target},
                    content=fh,
                    headers={"Content-Type": "application/n-triples", "Content-Length": str(size)},
                    timeout=timeout,
                )
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach {endpoint}: {exc}") from None
    if r.status_code >= 300:
        raise RemoteError(f"{endpoint} answered {r.status_code}: {r.text[:300]}")
    return {"endpoint": endpoint, "graph": target, "triples_sent": triples, "bytes": size, "status": r.status_code}


def _rows(endpoint: str, query: str, timeout: float) -> list[dict[str, Any]]:
    import httpx

    try:
        r = httpx.post(endpoint, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot reach {endpoint}: {exc}") from None
    if r.status_code >= 300:
        raise RemoteError(f"{endpoint} answered {r.status_code}: {r.text[:300]}")
    return list(r.json()["results"]["bindings"])


def load(endpoint: str, graph: str | None = None, base: str = DEFAULT_BASE, timeout: float = 600.0) -> KnowledgeBase:
    """Rebuild the model from the remote named graph (documents carry no bodies: those stay in the files)."""
    from .rdf import CG, CGF, DATE_FIELDS, EDGE_PREDICATES, NODE_PROPS, TEXT_FIELDS

    g = graph or base
    rows = _rows(endpoint, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}", timeout)
    if not rows:
        raise RemoteError(f"graph <{g}> at {endpoint} is empty or missing")
    by_subject: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for row in rows:
        by_subject.setdefault(row["s"]["value"], []).append((row["p"]["value"], row["o"]))
    edge_kinds = {str(p): k for k, p in EDGE_PREDICATES.items()}
    text_fields = {str(p): k for k, p in TEXT_FIELDS.items()}
    date_fields = {str(w): k for k, (_t, w) in DATE_FIELDS.items()}
    typed_dates = {str(t): k for k, (t, _w) in DATE_FIELDS.items()}
    node_props = {str(p): k for k, (p, _d) in NODE_PROPS.items()}
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    label_p = "http://www.w3.org/2000/01/rdf-schema#label"
    m = Model()
    refs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s, pos in by_subject.items():
        types = [o["value"] for p, o in pos if p == rdf_type]
        if f"{CG}Reference" in types:
            d = {p[len(str(CG)) :]: o["value"] for p, o in pos if p.startswith(str(CG))}
            ref_key = (d.get("referrer", ""), d.get("relation", ""), d.get("target", ""))
            refs[ref_key] = {
                "raw": d.get("rawText"),
                "method": d.get("resolution"),
                "score": float(d.get("score", 0)),
                "field": d.get("field"),
                "line": int(d["line"]) if "line" in d else None,
            }
            continue
        cls = next((t[len(str(CG)) :] for t in types if t.startswith(str(CG))), None)
        if cls is None or not s.startswith(base):
            continue
        key = s[len(base) :]
        node = Node(key, cls, "")
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for p, o in pos:
            v = o["value"]
            if p == label_p:
                node.label = v
            elif p == f"{CG}sourcePath":
                node.path = v
            elif p == f"{CG}line":
                node.line = int(v)
            elif p in text_fields:
                fields[text_fields[p]] = v
            elif p in date_fields:
                fields[date_fields[p]] = v
            elif p in typed_dates:
                fields.setdefault(typed_dates[p], v)
            elif p == f"{CG}docType":
                node.props["doc_type"] = v
            elif p.startswith(str(CGF)):
                extra[p[len(str(CGF)) :]] = v
            elif p in node_props:
                node.props[node_props[p]] = int(v) if node_props[p] == "likes" else v
        if node.path and node.path.endswith(".md") and cls not in ("Tweet", "Person", "Organization"):
            node.props.update(fields=fields, extra=extra)
        m.nodes[key] = node
    for s, pos in by_subject.items():
        if not s.startswith(base) or s[len(base) :] not in m.nodes:
            continue
        for p, o in pos:
            kind = edge_kinds.get(p)
            if kind is None or o["type"] != "uri" or not o["value"].startswith(base):
                continue
            dst = o["value"][len(base) :]
            if dst not in m.nodes:
                continue
            meta = refs.get((s, p, o["value"]), {})
            m.edges.append(Edge(s[len(base) :], dst, kind, m.nodes[s[len(base) :]].path, meta.pop("line", None), meta))
    for key, node in m.nodes.items():
        if "fields" in node.props and node.path:
            doc = Document(
                node.path, node.cls, node.label, node.props.get("doc_type"), None, node.props["fields"], node.props["extra"]
            )
            m.documents[node.path] = doc
            m.doc_keys[node.path] = key
    _restore_lists(m)
    m.files_seen = len(m.documents)
    kb = KnowledgeBase(Path(endpoint.replace("://", "_").replace("/", "_")), m, Resolver(m.documents.values()), base)
    kb.remote = endpoint
    return kb


def _restore_lists(m: Model) -> None:
    """List-shaped fields come back from edges (domains, tags) so filters and views work alike."""
    out: dict[str, list[Edge]] = {}
    for e in m.edges:
        out.setdefault(e.src, []).append(e)
    for key, node in m.nodes.items():
        fields = node.props.get("fields")
        if fields is None:
            continue
        for kind, name in (
            ("in_domain", "domain"),
            ("secondary_domain", "secondary_domains"),
            ("tagged", "tags"),
            ("in_linked_set", "linked_set"),
        ):
            values = [m.nodes[e.dst].label for e in out.get(key, []) if e.kind == kind]
            if values:
                fields[name] = values
