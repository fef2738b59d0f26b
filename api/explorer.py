"""The visual explorer: a page at / and /explore, and /graph, which returns laid-out elements for it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from graph import export as ex
from graph.layout import positions
from graph.teleo import domain_color

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_CLASSES = [
    "Claim",
    "Source",
    "Tweet",
    "Person",
    "Organization",
    "Domain",
    "Entity",
    "LinkedSet",
    "Agent",
    "Belief",
    "Position",
    "Conviction",
    "TopicMap",
]
MAX_NODES = 6000

# node class -> colour; claims take their domain's colour, sources their format's
CLASS_COLORS: dict[str, str] = {
    "Tweet": "#1DA1F2",
    "Person": "#8E8E8E",
    "Organization": "#5E5E5E",
    "Tag": "#C8C8C8",
    "Domain": "#222222",
    "LinkedSet": "#B07AA1",
    "Agent": "#E15759",
    "Entity": "#59A14F",
    "Belief": "#EDC948",
    "Position": "#F28E2B",
    "Conviction": "#FF9DA7",
    "TopicMap": "#76B7B2",
    "Document": "#BAB0AC",
    "UnresolvedReference": "#FFFFFF",
}
FORMAT_COLORS: dict[str, str] = {
    "tweet": "#4E79A7",
    "thread": "#4E79A7",
    "paper": "#9C755F",
    "whitepaper": "#9C755F",
    "report": "#B6992D",
    "essay": "#D37295",
    "newsletter": "#A0CBE8",
    "news": "#86BCB6",
    "data": "#79706E",
}
SOURCE_DEFAULT = "#2F4B7C"

router = APIRouter()
_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()


def _color(cls: str, fields: dict[str, Any]) -> str:
    if cls == "Claim":
        domain = (fields.get("domain") or [""])[0]
        return domain_color(str(domain)) if domain else "#999999"
    if cls == "Source":
        return FORMAT_COLORS.get(str(fields.get("format") or "").lower(), SOURCE_DEFAULT)
    return CLASS_COLORS.get(cls, "#999999")


def elements(kb: Any, sel: ex.Selection) -> dict[str, Any]:
    """Cytoscape.js elements for a selection, with server-computed positions and colours."""
    m = ex.select(kb, sel)
    truncated = len(m.nodes) > MAX_NODES
    if truncated:
        ranked = sorted(m.nodes, key=lambda k: (m.nodes[k].cls not in ("Claim", "Source", "Domain"), k))[:MAX_NODES]
        m = ex.subset(m, ranked)
    pos = positions(m)
    nodes = []
    for key, node in m.nodes.items():
        fields = node.props.get("fields", {})
        data = {"id": key, "label": node.label[:80], "cls": node.cls, "color": _color(node.cls, fields)}
        domain = fields.get("domain")
        if isinstance(domain, list) and domain:
            data["domain"] = str(domain[0])
        x, y = pos[key]
        nodes.append({"data": data, "position": {"x": x, "y": y}})
    edges = [{"data": {"id": f"e{i}", "source": e.src, "target": e.dst, "kind": e.kind}} for i, e in enumerate(m.edges)]
    return {
        "elements": {"nodes": nodes, "edges": edges},
        "truncated": truncated,
        "counts": {"nodes": len(nodes), "edges": len(edges)},
    }


def cached_elements(state: Any, sel: ex.Selection) -> dict[str, Any]:
    """Elements for a selection, computed once per served generation."""
    key = (state.generation, id(state.kb), tuple(sel.classes), tuple(sel.domains), tuple(sel.linked_sets), sel.around, sel.depth)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    value = elements(state.kb, sel)
    with _lock:
        _cache[key] = value
        while len(_cache) > 64:
            _cache.popitem(last=False)
    return value


def warm(state: Any) -> None:
    """Lay out the default view ahead of the first visit (run in a background thread)."""
    cached_elements(state, ex.Selection(classes=list(DEFAULT_CLASSES)))


@router.get("/graph", tags=["explorer"], summary="Laid-out Cytoscape.js elements of the graph or a part of it")
def graph_view(
    request: Request,
    cls: Annotated[list[str] | None, Query(alias="class")] = None,
    domain: Annotated[list[str] | None, Query()] = None,
    linked_set: Annotated[list[str] | None, Query()] = None,
    around: str | None = None,
    depth: Annotated[int, Query(ge=0, le=5)] = 1,
) -> dict[str, Any]:
    state = request.app.state.current
    classes = cls if cls else ([] if around else list(DEFAULT_CLASSES))
    sel = ex.Selection(classes, domain or [], linked_set or [], around, depth)
    return cached_elements(state, sel)


def _page() -> str:
    return (STATIC / "explore.html").read_text(encoding="utf-8")


@router.get("/", include_in_schema=False)
@router.get("/explore", tags=["explorer"], summary="The interactive explorer page", response_class=HTMLResponse)
def explore() -> HTMLResponse:
    return HTMLResponse(_page())
