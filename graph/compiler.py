"""The compiler's one entry point: read -> parse -> resolve -> model, plus its summary."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import documents, reader
from .model import Model, assemble
from .resolver import Resolver

if TYPE_CHECKING:
    import networkx as nx
    import rdflib

DEFAULT_BASE = "https://codex-graph.dev/kb/"
SAMPLE_ROOT = Path(__file__).resolve().parent.parent / "inbox"


@dataclass
class KnowledgeBase:
    """A compiled knowledge base: the model, its resolver, and lazily built RDF / networkx graphs."""

    root: Path
    model: Model
    resolver: Resolver
    base: str = DEFAULT_BASE
    timings: dict[str, float] = field(default_factory=dict)
    _rdf: Any = None
    _nx: Any = None
    _store: Any = None
    store_dir: Path | None = None
    remote: str | None = None
    snapshot: Any = None
    """What the store needs to rebuild incrementally from this build (parsed files, fingerprints)."""
    oxigraph_dir: Path | None = None
    light: bool = False
    """Loaded for serving, without references and document bodies (see `graph.store`): the
    summary comes from `_summary`, computed when the store was written, and the bodies from the
    store's search index."""
    _summary: dict[str, Any] | None = None

    @property
    def store(self) -> Any:
        """The graph in a pyoxigraph store, the query engine: the persisted one opened read-only
        when the knowledge base came from a store, else built in memory on first use."""
        if self._store is None and self.oxigraph_dir is not None:
            import pyoxigraph as ox

            self._store = ox.Store.read_only(str(self.oxigraph_dir))
        if self._store is None:
            import io

            import pyoxigraph as ox

            from .rdf import write_ntriples

            t = time.perf_counter()
            buf = io.BytesIO()
            write_ntriples(self.model, self.base, buf)
            store = ox.Store()
            store.bulk_load(input=buf.getvalue(), format=ox.RdfFormat.N_TRIPLES)
            self._store = store
            self.timings["store"] = time.perf_counter() - t
        return self._store

    @property
    def rdf(self) -> rdflib.Graph:
        """The graph as rdflib triples (built on first use)."""
        if self._rdf is None:
            from .rdf import to_rdf

            t = time.perf_counter()
            self._rdf = to_rdf(self.model, self.base)
            self.timings["rdf"] = time.perf_counter() - t
        return self._rdf

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The graph as a networkx MultiDiGraph (built on first use)."""
        if self._nx is None:
            from .nxgraph import to_networkx

            self._nx = to_networkx(self.model)
        return self._nx

    def bodies(self) -> dict[str, str]:
        """Body text by document path. A knowledge base served from a store does not hold the
        bodies in memory; they are read back from the store's search index, which keeps them."""
        if not self.light:
            return {path: doc.body for path, doc in self.model.documents.items()}
        from .search import stored_bodies

        by_key = stored_bodies(self)
        return {path: by_key.get(key, "") for path, key in self.model.doc_keys.items()}

    def iri(self, key: str) -> str:
        return self.base + key

    def summary(self) -> dict[str, Any]:
        """Counts by node class, edges, references and diagnostics: what `stats` prints."""
        if self.light and self._summary is not None:
            return {**self._summary, "timings_s": {k: round(v, 3) for k, v in self.timings.items()}}
        m = self.model
        methods = Counter(r.method.split("+")[0] for r in m.references)
        resolved = sum(1 for r in m.references if r.target)
        ambiguous = methods.get("ambiguous", 0)
        in_graph = len(m.documents)
        diag_paths = {d.path for d in m.diagnostics}
        return {
            "root": _shown(self.root),
            "files_seen": m.files_seen,
            "files_in_graph": in_graph,
            "files_diagnostics_only": len({p for p in diag_paths if p not in m.documents}),
            "nodes": len(m.nodes),
            "edges": len(m.edges),
            "nodes_by_class": m.counts(),
            "edges_by_kind": dict(sorted(Counter(e.kind for e in m.edges).items())),
            "references": {
                "total": len(m.references),
                "resolved": resolved,
                "unresolved": len(m.references) - resolved - ambiguous,
                "ambiguous": ambiguous,
                "by_method": dict(sorted(methods.items())),
            },
            "diagnostics": dict(sorted(Counter(d.severity for d in m.diagnostics).items())),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _shown(root: Path) -> str:
    """The root relative to the working directory when it lies below it, else absolute."""
    try:
        return str(root.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(root)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while compiling: the compiler allocates millions of
    objects that all stay alive, and repeated collections over them cost ~40% of compile time.

    On the way out the survivors are frozen (`gc.freeze`), so no later collection traverses
    them again; they are still freed by reference counting when dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def compile_kb(
    root: str | os.PathLike[str] | None = None,
    *,
    base: str = DEFAULT_BASE,
    progress: Callable[[int, int], None] | None = None,
) -> KnowledgeBase:
    """Compile the knowledge base at root (default: the sample in `inbox/`)."""
    with paused_gc():
        return _compile(root, base=base, progress=progress)


def _compile(root: str | os.PathLike[str] | None, *, base: str, progress: Callable[[int, int], None] | None) -> KnowledgeBase:
    t0 = time.perf_counter()
    scan = reader.scan(root if root is not None else SAMPLE_ROOT, progress=progress)
    t1 = time.perf_counter()
    docs = []
    diags = list(scan.diagnostics)
    for raw in scan.files:
        doc, problems = documents.build(raw)
        docs.append(doc)
        diags.extend(problems)
    t2 = time.perf_counter()
    resolver = Resolver(docs)
    model = assemble(docs, resolver)
    model.diagnostics = diags + model.diagnostics
    model.files_seen = scan.files_seen
    t3 = time.perf_counter()
    timings = {"read": t1 - t0, "parse": t2 - t1, "resolve_and_model": t3 - t2}
    return KnowledgeBase(scan.root, model, resolver, base if base.endswith(("/", "#", ":")) else base + "/", timings)
