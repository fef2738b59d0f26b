"""SPARQL 1.1 result serialisation (JSON, XML, CSV, TSV) for capped rows of pyoxigraph terms.

Written by hand because the row cap must cut a result before serialising it, and pyoxigraph's
own serialisers take the whole, uncut iterator.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _kind(term: Any) -> str:
    return type(term).__name__  # NamedNode | BlankNode | Literal | Triple


def _json_term(term: Any) -> dict[str, Any]:
    kind = _kind(term)
    if kind == "NamedNode":
        return {"type": "uri", "value": term.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": term.value}
    if kind == "Literal":
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def _json(names: Sequence[str], rows: Sequence[Sequence[Any]], ask: bool | None, truncated: bool) -> bytes:
    if ask is not None:
        return orjson.dumps({"head": {}, "boolean": ask})
    bindings = [{n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
    doc: dict[str, Any] = {"head": {"vars": list(names)}, "results": {"bindings": bindings}}
    if truncated:
        doc["truncated"] = True
    return orjson.dumps(doc)


def _xml_term(term: Any) -> str:
    kind = _kind(term)
    if kind == "NamedNode":
        return f"<uri>{escape(term.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if kind == "Literal":
        attrs = ""
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attrs = f" datatype={quoteattr(term.datatype.value)}"
        return f"<literal{attrs}>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _xml(names: Sequence[str], rows: Sequence[Sequence[Any]], ask: bool | None, truncated: bool) -> bytes:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if ask is not None:
        out += ["</head>", f"<boolean>{'true' if ask else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out).encode()
    out += [f"<variable name={quoteattr(n)}/>" for n in names]
    if truncated:
        out.append('<link href="urn:codex-graph:truncated"/>')
    out += ["</head>", "<results>"]
    for row in rows:
        out.append("<result>")
        out += [
            f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>" for n, t in zip(names, row, strict=True) if t is not None
        ]
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out).encode()


def _csv(names: Sequence[str], rows: Sequence[Sequence[Any]], ask: bool | None, truncated: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if ask is not None:
        w.writerow(["_askResult"])
        w.writerow(["true" if ask else "false"])
        return buf.getvalue().encode()
    w.writerow(names)
    for row in rows:
        w.writerow(
            [
                ""
                if t is None
                else (t.value if _kind(t) in ("NamedNode", "Literal") else f"_:{t.value}" if _kind(t) == "BlankNode" else str(t))
                for t in row
            ]
        )
    return buf.getvalue().encode()


def _tsv_term(term: Any) -> str:
    if term is None:
        return ""
    return str(term)  # pyoxigraph terms print in N-Triples syntax, which TSV uses


def _tsv(names: Sequence[str], rows: Sequence[Sequence[Any]], ask: bool | None, truncated: bool) -> bytes:
    if ask is not None:
        return ("?_askResult\n" + ("true" if ask else "false") + "\n").encode()
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _short(term: Any, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if _kind(term) == "NamedNode":
        for prefix, ns in prefixes.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    return term.value if _kind(term) in ("Literal", "BlankNode") else str(term)


def table(
    names: Sequence[str], rows: Sequence[Sequence[Any]], ask: bool | None, truncated: bool, prefixes: dict[str, str] | None = None
) -> bytes:
    """A plain-text table for people, IRIs shortened by the known prefixes."""
    if ask is not None:
        return b"true\n" if ask else b"false\n"
    prefixes = prefixes or {}
    cells = [[_short(t, prefixes) for t in row] for row in rows]
    widths = [min(max([len(n)] + [len(r[i]) for r in cells]), 100) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c[:100].ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{', truncated' if truncated else ''})")
    return ("\n".join(lines) + "\n").encode()


Writer = Callable[[Sequence[str], Sequence[Sequence[Any]], "bool | None", bool], bytes]

WRITERS: dict[str, tuple[str, Writer]] = {
    "json": ("application/sparql-results+json", _json),
    "xml": ("application/sparql-results+xml", _xml),
    "csv": ("text/csv; charset=utf-8", _csv),
    "tsv": ("text/tab-separated-values; charset=utf-8", _tsv),
}

# --format name -> (pyoxigraph RdfFormat name, media type) for CONSTRUCT and DESCRIBE
GRAPH_WRITERS: dict[str, tuple[str, str]] = {
    "turtle": ("TURTLE", "text/turtle; charset=utf-8"),
    "nt": ("N_TRIPLES", "application/n-triples"),
    "jsonld": ("JSON_LD", "application/ld+json"),
    "rdfxml": ("RDF_XML", "application/rdf+xml"),
}


def _writer(fmt: str, prefixes: dict[str, str] | None) -> tuple[str, Writer]:
    if fmt == "table":  # the one writer that needs the prefixes
        return "text/plain; charset=utf-8", lambda n, r, a, t: table(n, r, a, t, prefixes)
    return WRITERS[fmt]


def execute(store: Any, query: str, fmt: str, cap: int, prefixes: dict[str, str] | None = None) -> tuple[str, bytes, bool, int]:
    """Run a (checked) query on a pyoxigraph store; return (media type, body, truncated, rows).

    `fmt` is a result format for SELECT/ASK (json, xml, csv, tsv, table) or a graph format for
    CONSTRUCT/DESCRIBE (turtle, nt, jsonld, rdfxml); at most `cap` rows or triples are kept.
    """
    import pyoxigraph as ox

    result = store.query(query)
    if isinstance(result, ox.QueryBoolean):
        media, write = _writer(fmt, prefixes)
        return media, write([], [], bool(result), False), False, 1
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows: list[list[Any]] = []
        truncated = False
        for solution in result:
            if len(rows) == cap:
                truncated = True
                break
            rows.append([solution[i] for i in range(len(names))])
        media, write = _writer(fmt, prefixes)
        return media, write(names, rows, None, truncated), truncated, len(rows)
    triples: list[Any] = []
    truncated = False
    for t in result:
        if len(triples) == cap:
            truncated = True
            break
        triples.append(t)
    name, media = GRAPH_WRITERS[fmt]
    body = ox.serialize(triples, format=getattr(ox.RdfFormat, name), prefixes=prefixes if name == "TURTLE" else None)
    return media, body or b"", truncated, len(triples)
