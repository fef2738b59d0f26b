"""The `teleo-app` dump: the `graph-data.json` shape the knowledge base's own app renders.

Nodes are claim-like files keyed by path; edges are `wiki-link` and `conflict` with a
`cross_domain` flag; `domain_colors` colours each domain. It is a superset of a filename-only
extraction: the same files and links, plus the links only the resolver finds and links written
in frontmatter, each edge saying which relation it came from.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from typing import Any

from .model import Model

APP_KINDS = frozenset({"Claim", "Conviction", "Belief", "Position"})
APP_DIRS = ("core/", "domains/", "foundations/", "convictions/")
APP_TYPES = frozenset({None, "claim", "conviction", "analysis", "belief", "position"})
AGENT_FIELDS = ("agent", "proposed_by", "staked_by", "tracked_by")
# relation -> edge type in the app
EDGE_TYPES: dict[str, str] = {
    "links_to": "wiki-link",
    "mentions": "wiki-link",
    "depends_on": "wiki-link",
    "related": "wiki-link",
    "challenged_by": "conflict",
    "challenges": "conflict",
}
_COUNTER = re.compile(r"^(##\s+Counter[\s-]?evidence|\*\*Counter\s*argument)", re.M | re.I)


def domain_color(domain: str) -> str:
    """A stable, distinct-enough colour per domain name (hue from a hash)."""
    h = int(hashlib.blake2b(domain.encode(), digest_size=2).hexdigest(), 16) / 0xFFFF
    r, g, b = colorsys.hls_to_rgb(h, 0.55, 0.6)
    return f"#{int(r * 255):02X}{int(g * 255):02X}{int(b * 255):02X}"


def in_app(path: str, kind: str, doc_type: str | None) -> bool:
    """Claim-like documents, and whatever a folder-and-type extraction would include."""
    if kind in APP_KINDS:
        return True
    name = path.rsplit("/", 1)[-1]
    return path.startswith(APP_DIRS) and not name.startswith("_") and (doc_type or None) in APP_TYPES


def graph_data(m: Model, bodies: dict[str, str] | None = None) -> dict[str, Any]:
    """The GraphData object: nodes, edges, events (none: git history is not read), domain colours.

    `bodies` (by path) stands in for the documents' own when the model was loaded without them.
    """
    if bodies is None:
        bodies = {path: doc.body for path, doc in m.documents.items()}
    nodes: list[dict[str, Any]] = []
    domains: dict[str, str] = {}
    for path, doc in sorted(m.documents.items()):
        if not in_app(path, doc.kind, doc.doc_type):
            continue
        fields = doc.fields
        domain = (fields.get("domain") or [""])[0] if isinstance(fields.get("domain"), list) else ""
        if not domain:
            parts = path.split("/")
            domain = parts[1] if len(parts) > 2 else parts[0]
        domains[path] = str(domain)
        agent = next((str(v[0]) for f in AGENT_FIELDS if isinstance(v := fields.get(f), list) and v), "collective")
        challenged = [str(c) for c in fields.get("challenged_by", []) if isinstance(c, str) and c.strip()]
        node: dict[str, Any] = {
            "id": path,
            "title": path.rsplit("/", 1)[-1][:-3],
            "domain": str(domain),
            "agent": agent.lower(),
            "created": str(fields.get("created") or ""),
            "confidence": str(fields.get("confidence") or "speculative"),
            "challenged": bool(challenged or _COUNTER.search(bodies.get(path, ""))),
            "kind": doc.kind,
        }
        if challenged:
            node["challenges"] = [re.sub(r"\[\[([^\]|#]+)[^\]]*\]\]", r"\1", c).strip(" -\"'")[:200] for c in challenged]
        nodes.append(node)
    edges: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    key_to_path = {k: p for p, k in m.doc_keys.items()}
    for e in m.edges:
        etype = EDGE_TYPES.get(e.kind)
        src = key_to_path.get(e.src)
        if etype is None or src not in domains:
            continue
        # an ambiguous reference links to each candidate, flagged, so a filename-only guess is never lost
        ambiguous = e.props.get("method") == "ambiguous"
        chosen = key_to_path.get(e.dst)
        others = [c for c in e.props.get("candidates") or [] if c != chosen]
        targets = others if ambiguous else [chosen, *others]
        for dst in targets:
            if dst not in domains or src == dst or (src, dst, etype) in seen:
                continue
            seen.add((src, dst, etype))
            edge = {
                "source": src,
                "target": dst,
                "type": etype,
                "cross_domain": bool(domains[dst]) and domains[src] != domains[dst],
                "relation": e.kind,
                "resolution": e.props.get("method"),
                "line": e.line,
            }
            if ambiguous or dst != chosen:
                # not the resolver's answer: another file of the same name, kept for filename-only parity
                edge["resolution"] = "ambiguous" if ambiguous else "same-name-candidate"
                edge["candidates"] = len(targets) if ambiguous else len(others) + 1
            edges.append(edge)
    colors = {d: domain_color(d) for d in sorted(set(domains.values())) if d}
    return {"nodes": nodes, "edges": edges, "events": [], "domain_colors": colors}
