"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only, time-limited, negotiated."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from graph import query as q
from graph.errors import CodexGraphError, QuerySyntaxError, ReadOnlyError, UsageError

from .negotiation import choose, parse_accept
from .pages import sparql_page


class TooLarge(CodexGraphError):
    """A request body past the configured limit."""

    http_status = 413
    code = "too_large"


class UnsupportedMedia(CodexGraphError):
    """A POST body whose content type the protocol does not define."""

    http_status = 415
    code = "unsupported_media_type"


DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")

SERVICE_DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
<{url}> a sd:Service ;
    sd:endpoint <{url}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""

router = APIRouter()


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise UsageError(f"parameter {name!r} given {len(values)} times; give it once")
    return values[0]


_QUERY_PARAMS = [
    {
        "name": "query",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 2048},
        "description": "A SPARQL 1.1 query (POST longer ones); without it a GET returns a service description or the query page",
    },
    {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv", "turtle", "nt", "jsonld", "rdfxml"]},
        "description": "Result format, overriding Accept",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Refused with 400: the endpoint serves one graph",
    },
]
_BODY = {
    "content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
        "application/sparql-query": {"schema": {"type": "string"}},
    }
}


@router.get(
    "/sparql",
    tags=["sparql"],
    summary="SPARQL 1.1 Protocol query by GET (read-only)",
    openapi_extra={"parameters": _QUERY_PARAMS},
)
async def sparql_get(request: Request) -> Response:
    """`?query=`; results by Accept or `format`; no query: service description or query page."""
    return await sparql(request)


@router.post(
    "/sparql",
    tags=["sparql"],
    summary="SPARQL 1.1 Protocol query by POST (read-only)",
    openapi_extra={"parameters": _QUERY_PARAMS[1:], "requestBody": _BODY},
)
async def sparql_post(request: Request) -> Response:
    """A form-encoded `query=` or an `application/sparql-query` body; SPARQL Update is refused."""
    return await sparql(request)


async def sparql(request: Request) -> Response:
    """Queries by GET `?query=`, POST form or POST `application/sparql-query`; results negotiated."""
    settings = request.app.state.settings
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _body(request, settings.max_body)
        if ctype == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif ctype == "application/sparql-query":
            params.setdefault("query", []).append(body.decode("utf-8", errors="replace"))
        elif ctype == "application/sparql-update":
            raise ReadOnlyError("SPARQL Update is refused: the graph is read-only")
        else:
            raise UnsupportedMedia(
                f"POST a query as application/x-www-form-urlencoded or application/sparql-query, not {ctype!r}"
            )
    if "update" in params:
        raise ReadOnlyError("SPARQL Update is refused: the graph is read-only")
    for name in DATASET_PARAMS:
        if name in params:
            raise UsageError(f"{name} is refused: this endpoint queries its one compiled graph only")
    text = _one(params, "query")
    if text is None:
        if request.method == "POST":
            raise UsageError("missing 'query' parameter")
        return _describe(request)
    if len(text.encode("utf-8")) > settings.max_body:
        raise TooLarge(f"query is over the limit of {settings.max_body} bytes")
    form = q.check(text)
    fmt = choose(form, params.get("format"), request.headers.get("accept"))
    state = request.app.state.current
    try:
        answer = await state.engine.run(text, fmt)
    except QuerySyntaxError:
        q.diagnose(text)  # where the error is, when rdflib can say
        raise
    headers = {"X-Codex-Truncated": "true"} if answer.truncated else {}
    headers["X-Codex-Rows"] = str(answer.rows)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _describe(request: Request) -> Response:
    """A GET without a query: the query page for browsers, else a service description."""
    for media, q_value in parse_accept(request.headers.get("accept")):
        if q_value > 0 and media in ("text/html", "application/xhtml+xml"):
            return HTMLResponse(sparql_page())
        if q_value > 0 and media in ("text/turtle", "*/*", "text/*", "application/x-turtle"):
            break
    url = str(request.url).split("?")[0]
    return Response(SERVICE_DESCRIPTION.format(url=url), media_type="text/turtle; charset=utf-8")
