"""The JSON API for agents: thin handlers over `graph.views`, one core call each.

Handlers that answer from memory in microseconds are `async`: FastAPI runs them on the event
loop rather than hopping to a thread; those that can take long (lists, search, export) are not.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse

from graph import views

router = APIRouter()


class JSON(Response):
    """A JSON answer rendered by orjson: the views return plain data, so no model or encoder
    stands between them and the bytes."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # what orjson cannot write (integers past 64 bits), json can
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]
ClaimRef = Annotated[
    str,
    PathParam(
        description="A claim's id, title, slug, path or any reference",
        examples=["negative midday prices are a market signal for storage rather than a failure of solar"],
    ),
]
DateParam = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")]


def _state(request: Request) -> Any:
    return request.app.state.current


@router.get("/health", tags=["service"], summary="Liveness, answered even when queries are saturated")
async def health(request: Request) -> JSON:
    state = _state(request)
    return JSON({"status": "ok", "generation": state.generation, "nodes": len(state.kb.model.nodes), "pid": os.getpid()})


@router.get("/stats", tags=["service"], summary="Compile summary: counts by class, references, diagnostics")
async def stats(request: Request) -> JSON:
    return JSON(dict(_state(request).kb.summary()))


@router.get("/diagnostics", tags=["service"], summary="Parse problems, broken and ambiguous references")
def diagnostics(
    request: Request,
    severity: str | None = None,
    code: str | None = None,
    path: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> JSON:
    items = [
        d
        for d in _state(request).kb.model.diagnostics
        if (severity is None or d.severity == severity) and (code is None or d.code == code) and (path is None or d.path == path)
    ]
    return JSON(
        {"total": len(items), "offset": offset, "limit": limit, "items": [d.to_dict() for d in items[offset : offset + limit]]}
    )


@router.get("/resolve", tags=["graph"], summary="Resolve a reference to the file it means")
async def resolve(
    request: Request,
    ref: Annotated[str, Query(min_length=1, max_length=2000)],
    from_: Annotated[str | None, Query(alias="from", max_length=2000)] = None,
) -> JSON:
    kb = _state(request).kb
    res = kb.resolver.resolve(ref, "links_to", from_)
    out = res.to_dict()
    out["id"] = kb.model.key_of(res.file) if res.file else None
    return JSON(out)


@router.get("/search", tags=["graph"], summary="Ranked full-text search over titles, descriptions, bodies and tweets")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cls: Annotated[str | None, Query(alias="class", max_length=40)] = None,
) -> JSON:
    return JSON(_state(request).search.search(q, limit, cls))


@router.get("/claims", tags=["claims"], summary="Claims, filtered and paginated")
def list_claims(
    request: Request,
    domain: str | None = None,
    confidence: str | None = None,
    tag: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSON:
    return JSON(
        views.list_nodes(_state(request).kb, "Claim", {"domain": domain, "confidence": confidence, "tag": tag}, offset, limit)
    )


@router.get("/sources", tags=["sources"], summary="Sources, filtered and paginated")
def list_sources(
    request: Request,
    domain: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    linked_set: str | None = None,
    format: str | None = None,
    date_from: DateParam = None,
    date_to: DateParam = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSON:
    filters = {
        "domain": domain,
        "status": status,
        "tag": tag,
        "author": author,
        "linked_set": linked_set,
        "format": format,
        "date_from": date_from,
        "date_to": date_to,
    }
    return JSON(views.list_nodes(_state(request).kb, "Source", filters, offset, limit))


@router.get("/claims/{ref:path}/sources", tags=["claims"], summary="Sources supporting a claim, with why and tweets")
async def claim_sources(request: Request, ref: ClaimRef, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> JSON:
    kb = _state(request).kb
    return JSON(views.claim_sources(kb, views.find(kb, ref, "Claim"), limit))


@router.get("/claims/{ref:path}/related", tags=["claims"], summary="Related claims, scored and explained")
async def claim_related(
    request: Request,
    ref: ClaimRef,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    kinds: Annotated[str | None, Query(description="Comma-separated relation kinds")] = None,
) -> JSON:
    kb = _state(request).kb
    wanted = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    return JSON(views.related_claims(kb, views.find(kb, ref, "Claim"), limit, wanted))


def _node_route(path: str, cls: str | None, tag: str, what: str, example: str) -> None:
    RefParam = Annotated[str, PathParam(description=f"Any name of the {what}", examples=[example])]

    async def handler(request: Request, ref: RefParam) -> JSON:
        kb = _state(request).kb
        return JSON(views.detail(kb, views.find(kb, ref, cls)))

    handler.__annotations__["ref"] = RefParam  # a local alias: resolve it now, not as a string later
    handler.__name__ = f"get_{tag}_{(cls or 'node').lower()}"
    router.add_api_route(path, handler, methods=["GET"], tags=[tag], summary=f"One {what}: fields and neighbours")


# path -> (class, tag, what); one table, one handler each
CLAIM_EXAMPLE = "negative midday prices are a market signal for storage rather than a failure of solar"
NODE_ROUTES: dict[str, tuple[str | None, str, str, str]] = {
    "/claims/{ref:path}": ("Claim", "claims", "claim", CLAIM_EXAMPLE),
    "/sources/{ref:path}": ("Source", "sources", "source", "2026-02-00-kilowatt-letter-february"),
    "/tweets/{ref}": ("Tweet", "graph", "tweet by status id or node id", "1899000000000000001"),
    "/authors/{ref}": ("Author", "graph", "author by X handle or name", "gridwatch_ana"),
    "/tags/{ref}": ("Tag", "graph", "tag", "duck-curve"),
    "/domains/{ref}": ("Domain", "graph", "domain", "grid-policy"),
    "/linked-sets/{ref}": ("LinkedSet", "graph", "linked set", "storage-economics-2026"),
    "/agents/{ref}": ("Agent", "graph", "agent", "volta"),
    "/nodes/{ref:path}": (None, "graph", "node of any class by id, IRI, path or reference", "tag/solar"),
}
for _path, (_cls, _tag, _what, _example) in NODE_ROUTES.items():
    _node_route(_path, _cls, _tag, _what, _example)


@router.get("/export", tags=["graph"], summary="The graph, or a filtered part of it, in a dump format (streamed)")
def export(
    request: Request,
    format: Annotated[
        str, Query(description="turtle, nt, jsonld, rdfxml, graphml, gexf, node-link, cytoscape, csv, teleo-app")
    ] = "turtle",
    cls: Annotated[list[str] | None, Query(alias="class")] = None,
    domain: Annotated[list[str] | None, Query()] = None,
    linked_set: Annotated[list[str] | None, Query()] = None,
    around: str | None = None,
    depth: Annotated[int, Query(ge=0, le=10)] = 1,
) -> StreamingResponse:
    from graph import export as ex

    fmt = ex.get_format(format)
    kb = _state(request).kb
    sel = ex.Selection(cls or [], domain or [], linked_set or [], around, depth)
    buf = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    ex.export(kb, format, buf, sel)
    buf.seek(0)

    def chunks() -> Iterator[bytes]:
        with buf:
            while block := buf.read(64 * 1024):
                yield block

    headers = {"Content-Disposition": f'attachment; filename="{ex.filename(format)}"'}
    return StreamingResponse(chunks(), media_type=fmt.media_type, headers=headers)
