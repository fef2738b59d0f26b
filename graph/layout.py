"""Server-side layout for the explorer: networkx spring layout, sized for thousands of nodes."""

from __future__ import annotations

import math

from .model import Model

# node count -> spring-layout iterations (fewer for large graphs, so the full corpus stays quick)
ITERATIONS: list[tuple[int, int]] = [(300, 100), (1000, 50), (3000, 25), (10**9, 12)]


def positions(m: Model, seed: int = 7) -> dict[str, tuple[float, float]]:
    """x, y for every node of the model, in pixels, deterministic for a given graph."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(sorted(m.nodes))
    g.add_edges_from((e.src, e.dst) for e in m.edges if e.src != e.dst)
    n = g.number_of_nodes()
    if n == 0:
        return {}
    iterations = next(it for limit, it in ITERATIONS if n <= limit)
    pos = nx.spring_layout(g, iterations=iterations, seed=seed, k=1.5 / math.sqrt(n))
    scale = 120.0 * math.sqrt(n)
    return {key: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for key, (x, y) in pos.items()}
