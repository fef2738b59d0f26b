"""SPARQL over the compiled graph: parse, refuse what reaches outside, run, serialise.

Checks run on the parsed algebra, not the text, so `\\u0053ERVICE`, lower case and nesting
are all seen. Results formats live in the tables below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import QueryError, QuerySyntaxError, ReadOnlyError, UnknownFormatError

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


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"(?P<skip>\s+|#[^\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<var>[?$]\w+)"
    r"|(?P<pname>[\w.-]*:[\w.:%\\-]*)"
    r"|(?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<punct>\^\^|&&|\|\||[<>!=]=|[{}()\[\].,;*/+=<>!|^-])"
)
_NEEDS_FULL_CHECK = frozenset(
    {"SERVICE", "FROM", "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
"""Words that, as keywords outside strings, IRIs and names, may make a query unsafe (or an
update): a query holding any of them is checked on rdflib's algebra instead."""
_FORM_WORDS = frozenset(FORMS.values())
_POINT_TERMS = frozenset({"var", "iri", "pname", "string", "number"})


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2), 16))


@lru_cache(maxsize=1024)
def tokens(sparql: str) -> tuple[tuple[str, str], ...] | None:
    """The query's (kind, text) tokens, after SPARQL's codepoint escapes are applied; None when
    the text holds anything this small lexer does not know (the full check then decides)."""
    try:
        text = _ESCAPE.sub(_unescape, sparql)
    except (ValueError, OverflowError):
        return None
    out: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        if m.lastgroup != "skip":
            out.append((m.lastgroup or "", m.group()))
        pos = m.end()
    return tuple(out)


def _after_prologue(toks: Sequence[tuple[str, str]]) -> int:
    i = 0
    while i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in ("PREFIX", "BASE"):
        i += 3 if toks[i][1].upper() == "PREFIX" else 2
    return i


def _quick_form(toks: Sequence[tuple[str, str]]) -> str | None:
    """The form of a query that plainly holds none of the risky keywords, else None."""
    if any(kind == "word" and text.upper() in _NEEDS_FULL_CHECK for kind, text in toks):
        return None
    i = _after_prologue(toks)
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in _FORM_WORDS:
        return toks[i][1].upper()
    return None


def _is_point(toks: Sequence[tuple[str, str]]) -> bool:
    """One triple pattern about a named subject, under at most DISTINCT, LIMIT and OFFSET, as in
    `SELECT ?p ?o WHERE { <s> ?p ?o }`: its cost is bounded by that subject's out-degree."""
    rest = [(k, t.upper() if k == "word" else t) for k, t in toks[_after_prologue(toks) :]]
    rest.append(("end", ""))
    if rest[0] != ("word", "SELECT"):
        return False
    j = 1
    if rest[j] in (("word", "DISTINCT"), ("word", "REDUCED")):
        j += 1
    if rest[j] == ("punct", "*"):
        j += 1
    else:
        start = j
        while rest[j][0] == "var":
            j += 1
        if j == start:
            return False
    if rest[j] == ("word", "WHERE"):
        j += 1
    if j + 4 >= len(rest) or rest[j] != ("punct", "{") or rest[j + 1][0] not in ("iri", "pname"):
        return False
    pred, obj = rest[j + 2], rest[j + 3]
    if not (pred[0] in ("var", "iri", "pname") or pred == ("word", "A")) or obj[0] not in _POINT_TERMS:
        return False
    j += 4
    if obj[0] == "string" and rest[j][0] == "lang":
        j += 1
    elif obj[0] == "string" and rest[j] == ("punct", "^^") and rest[j + 1][0] in ("iri", "pname"):
        j += 2
    if rest[j] == ("punct", "."):
        j += 1
    if rest[j] != ("punct", "}"):
        return False
    j += 1
    while rest[j] in (("word", "LIMIT"), ("word", "OFFSET")) and rest[j + 1][0] == "number":
        j += 2
    return rest[j][0] == "end"


@lru_cache(maxsize=4096)
def check(sparql: str) -> str:
    """The form (SELECT, ASK, CONSTRUCT, DESCRIBE) of a query that is safe to run; cached per text.

    A query whose tokens plainly hold no risky keyword passes on its tokens alone (the engine
    parses it and reports its syntax errors); any other is parsed into rdflib's algebra and
    checked there. The tokens cost tens of microseconds; rdflib's parse, about 2 ms.
    """
    toks = tokens(sparql)
    form = _quick_form(toks) if toks is not None else None
    if form is not None:
        return form
    algebra = prepare(sparql)
    return FORMS.get(algebra.algebra.name, "SELECT")


def diagnose(sparql: str) -> None:
    """Raise rdflib's account of a query the engine could not parse (it names the line and
    column); return if rdflib parses it, leaving the engine's message to stand."""
    prepare(sparql)


@lru_cache(maxsize=4096)
def is_point_lookup(sparql: str) -> bool:
    """Whether a checked query is a point lookup, cheap enough to answer without a worker."""
    toks = tokens(sparql)
    return toks is not None and _is_point(toks)


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
        diagnose(sparql)
        raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
    except Exception as exc:
        raise QueryError(f"SPARQL query failed: {exc}") from None
    return form, body
