"""Stage 6b: emit the compiled model as a networkx MultiDiGraph (typed nodes and edges)."""

from __future__ import annotations

from typing import Any

import networkx as nx

from .model import Model


def to_networkx(model: Model) -> nx.MultiDiGraph:
    """Nodes keyed by their IRI-relative key with `cls`, `label`, `path`, `line` and props;
    edges keyed by kind, carrying `path`, `line` and resolution details."""
    g = nx.MultiDiGraph()
    for node in model.nodes.values():
        attrs: dict[str, Any] = {"cls": node.cls, "label": node.label, "path": node.path, "line": node.line}
        attrs.update(node.props)
        g.add_node(node.key, **attrs)
    for edge in model.edges:
        g.add_edge(edge.src, edge.dst, key=edge.kind, kind=edge.kind, path=edge.path, line=edge.line, **edge.props)
    return g
