"""SPARQL over the compiled graph: parse, refuse what reaches outside, run, serialise.

Checks run on the parsed algebra, not the text, so `\\u0053ERVICE`, lower case and nesting
are all seen. Results formats live in the tables below.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import QueryError, UnknownFormatError

if TYPE_CHECKING:
    import rdflib

# --format name -> (rdflib result serializer, media type) for SELECT and ASK.
RESULT_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("json", "application/sparql-results+json"),
    "xml": ("xml", "application/sparql-results+xml"),
    "csv": ("csv", "text/csv"),
    "tsv": ("tsv", "text/tab-separated-values"),
    "table": ("txt", "text/plain"),
}

# --format name -> (rdflib graph serializer, media type) for CONSTRUCT and DESCRIBE.
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("turtle", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdfxml": ("xml", "application/rdf+xml"),
}
DEFAULT_GRAPH_FORMAT = "turtle"


@dataclass
class QueryResult:
    """A query's result: its form (SELECT, ASK, CONSTRUCT, DESCRIBE) and the rdflib result."""

    form: str
    result: Any

    def serialize(self, fmt: str, namespace_manager: Any = None) -> str:
        """Text of the result in a format; CONSTRUCT/DESCRIBE fall back to Turtle for result formats."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            name, _ = GRAPH_FORMATS.get(fmt, GRAPH_FORMATS[DEFAULT_GRAPH_FORMAT])
            graph = self.result.graph
            if namespace_manager is not None:
                graph.namespace_manager = namespace_manager
            return str(graph.serialize(format=name))
        if fmt not in RESULT_FORMATS:
            raise UnknownFormatError(f"unknown result format {fmt!r}; choose one of {', '.join(RESULT_FORMATS)}")
        name, _ = RESULT_FORMATS[fmt]
        if name == "txt":
            return _table(self.result, namespace_manager)
        if name == "tsv":
            return _tsv(self.result)
        out = self.result.serialize(format=name)
        return out.decode("utf-8") if isinstance(out, bytes) else str(out)


def _tsv(result: Any) -> str:
    """SPARQL 1.1 TSV: `?var` headers, terms in Turtle syntax (rdflib has no TSV writer)."""
    if result.type == "ASK":
        return "?_askResult\n" + ("true" if result.askAnswer else "false") + "\n"
    names = [str(v) for v in result.vars]
    lines = ["\t".join(f"?{n}" for n in names)]
    for row in result:
        lines.append("\t".join("" if row[i] is None else row[i].n3() for i in range(len(names))))
    return "\n".join(lines) + "\n"


def _table(result: Any, nsm: Any) -> str:
    if result.type == "ASK":
        return "true\n" if result.askAnswer else "false\n"
    names = [str(v) for v in result.vars]

    prefixes = sorted(((str(ns), p) for p, ns in nsm.namespaces()), key=lambda x: -len(x[0])) if nsm is not None else []

    def cell(term: Any) -> str:
        if term is None:
            return ""
        text = str(term)
        if term.__class__.__name__ == "URIRef":
            for ns, prefix in prefixes:
                if text.startswith(ns) and len(text) > len(ns):
                    return f"{prefix}:{text[len(ns) :]}"
        return text

    rows = [[cell(row[i]) for i in range(len(names))] for row in result]
    widths = [min(max([len(n)] + [len(r[i]) for r in rows]), 100) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=False)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c[:100].ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


_REFUSED = {"ServiceGraphPattern": "SERVICE (federated query) is refused: queries stay inside the graph"}


def _walk(node: Any, seen: set[int] | None = None) -> None:
    seen = seen if seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    name = getattr(node, "name", None)
    if name in _REFUSED:
        raise QueryError(_REFUSED[name])
    if isinstance(node, dict):
        for value in node.values():
            _walk(value, seen)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, seen)


def prepare(sparql: str) -> Any:
    """Parse a query into rdflib's algebra; refuse updates, SERVICE, FROM and FROM NAMED."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(sparql)
    except ParseException as exc:
        try:
            parseUpdate(sparql)
        except Exception:
            raise QueryError(
                f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}",
                detail={"line": exc.lineno, "column": exc.col},
            ) from None
        raise QueryError("SPARQL Update is refused: the graph is read-only") from None
    except Exception as exc:  # rdflib raises plain exceptions for some malformed input
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    prologue_and_query = parsed[1]
    if "datasetClause" in prologue_and_query and prologue_and_query["datasetClause"]:
        raise QueryError("FROM and FROM NAMED are refused: the query runs over the compiled graph only")
    try:
        algebra = translateQuery(parsed)
    except Exception as exc:
        raise QueryError(f"SPARQL query cannot be evaluated: {exc}") from None
    _walk(algebra.algebra)
    return algebra


FORMS: dict[str, str] = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@lru_cache(maxsize=4096)
def check(sparql: str) -> str:
    """The form (SELECT, ASK, CONSTRUCT, DESCRIBE) of a query that is safe to run; cached per text."""
    algebra = prepare(sparql)
    return FORMS.get(algebra.algebra.name, "SELECT")


def run(graph: rdflib.Graph, sparql: str) -> QueryResult:
    """Run a read-only query over the graph."""
    algebra = prepare(sparql)
    try:
        result = graph.query(algebra)
    except QueryError:
        raise
    except Exception as exc:
        raise QueryError(f"SPARQL query failed: {exc}") from None
    return QueryResult(result.type, result)
