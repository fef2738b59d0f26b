"""SPARQL over the compiled graph: parse, refuse what reaches outside, run, serialise.

Checks run on the parsed algebra, not the text, so `\\u0053ERVICE`, lower case and nesting
are all seen. Results formats live in the tables below.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import QueryError, ReadOnlyError, UnknownFormatError

if TYPE_CHECKING:
    from .compiler import KnowledgeBase

RESULT_FORMATS = ("table", "json", "xml", "csv", "tsv")
"""Formats for SELECT and ASK results (standard SPARQL JSON, XML, CSV, TSV, or a text table)."""
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
"""Formats for CONSTRUCT and DESCRIBE results."""


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
        raise ReadOnlyError("SPARQL Update is refused: the graph is read-only") from None
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


def run(kb: KnowledgeBase, sparql: str, fmt: str = "table", cap: int | None = None) -> tuple[str, bytes]:
    """Run a read-only query on the knowledge base's pyoxigraph store; (form, serialised result).

    SELECT/ASK take a result format; CONSTRUCT/DESCRIBE take a graph format (Turtle by default).
    """
    from .results import execute

    form = check(sparql)
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    allowed = GRAPH_FORMATS if graph_form else RESULT_FORMATS
    if graph_form and fmt in RESULT_FORMATS:
        fmt = "turtle"
    if fmt not in allowed:
        raise UnknownFormatError(f"format {fmt!r} does not fit a {form} query; choose one of {', '.join(allowed)}")
    from .rdf import prefix_map

    prefixes = prefix_map(kb.base)
    try:
        _media, body, _truncated, _rows = execute(kb.store, sparql, fmt, cap or 10**12, prefixes)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except Exception as exc:
        raise QueryError(f"SPARQL query failed: {exc}") from None
    return form, body
