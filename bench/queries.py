"""SPARQL query time: pyoxigraph (the engine codex-graph runs) against rdflib's own evaluation.

Usage: python bench/queries.py [ROOT] [--repeat N] [--rdflib-timeout S]
Both engines answer the same queries over the same compiled graph; rows are checked to agree.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "teleo-codex"
P = (
    "PREFIX cg: <https://codex-graph.dev/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
CLAIM = "https://codex-graph.dev/kb/claim/domains/internet-finance/metadao-is-the-futarchy-launchpad-on-solana-where-projects-raise-capital-through-unruggable-icos-governed-by-conditional-markets-creating-the-first-platform-for-ownership-coins-at-scale"  # noqa: E501

QUERIES: dict[str, str] = {
    "point lookup": f"SELECT ?p ?o WHERE {{ <{CLAIM}> ?p ?o }}",
    "one-hop": P + f"SELECT ?s ?title WHERE {{ ?s cg:extractedClaim|cg:enrichedClaim <{CLAIM}> . ?s dcterms:title ?title }}",
    "two-hop aggregate": P + "SELECT ?d (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s cg:extractedClaim|cg:enrichedClaim ?c . "
    "?c cg:domain ?d } GROUP BY ?d ORDER BY DESC(?n)",
    "property path": P + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ <{CLAIM}> cg:linksTo/cg:linksTo ?x }}",
    "full-text": P + 'SELECT ?c ?t WHERE { ?c a cg:Claim ; dcterms:title ?t FILTER(CONTAINS(LCASE(?t), "futarchy")) }',
}


def _rdflib_worker(nt_path: str, query: str, repeat: int, out: Any) -> None:
    from rdflib import Graph

    g = Graph()
    g.parse(nt_path, format="nt")
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(list(g.query(query)))
        best = min(best, time.perf_counter() - t)
    out.put((best, rows))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(DEFAULT_ROOT))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rdflib-timeout", type=float, default=300.0)
    args = ap.parse_args()
    import tempfile

    from graph.compiler import compile_kb
    from graph.engine import write_dump

    kb = compile_kb(args.root)
    store = kb.store
    tmp = tempfile.mkdtemp(prefix="codex-q-")
    nt = write_dump(kb, tmp)
    print(f"root: {Path(args.root).name}  triples: {len(store)}")
    print(f"{'query':20} {'pyoxigraph ms':>14} {'rdflib ms':>12} {'speed-up':>9} {'rows':>6}")
    for name, query in QUERIES.items():
        best, rows = float("inf"), 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            rows = len(list(store.query(query)))
            best = min(best, time.perf_counter() - t)
        q: Any = mp.get_context("fork").Queue()
        proc = mp.get_context("fork").Process(target=_rdflib_worker, args=(nt, query, args.repeat, q))
        proc.start()
        proc.join(args.rdflib_timeout)
        if proc.is_alive():
            proc.kill()
            print(
                f"{name:20} {best * 1000:14.2f} {'>' + str(int(args.rdflib_timeout * 1000)):>12} "
                f"{'>' + format(args.rdflib_timeout / best, '.0f'):>9} {rows:6}"
            )
            continue
        r_best, r_rows = q.get()
        flag = "" if r_rows == rows else f"  (rdflib rows {r_rows})"
        print(f"{name:20} {best * 1000:14.2f} {r_best * 1000:12.2f} {r_best / best:8.0f}x {rows:6}{flag}")


if __name__ == "__main__":
    main()
