"""The persisted build: compiled records, per-file fingerprints and a pyoxigraph store on disk.

`build()` reuses the store when no file changed, re-reads and re-parses only the files that did
(and re-resolves only the references they can affect), and `force=True` compiles from scratch.
Several server processes can open one store: the pyoxigraph directory is opened read-only.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import documents, reader
from .compiler import DEFAULT_BASE, SAMPLE_ROOT, KnowledgeBase, paused_gc
from .errors import CodexGraphError
from .model import Model, assemble
from .records import Diagnostic, Document
from .resolver import Resolver

STORE_VERSION = 7


@dataclass
class Parsed:
    """What one file compiled to: its digest, document and problems."""

    digest: str
    size: int
    mtime_ns: int
    doc: Document | None
    diagnostics: list[Diagnostic]


@dataclass
class BuildResult:
    """A compiled knowledge base and how it was obtained."""

    kb: KnowledgeBase
    status: str  # "reused" | "incremental" | "full"
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pending: tuple[Any, ...] | None = None

    def persist(self, search_index: bool = True) -> None:
        """Write the store of this build, if it is not written yet (with its search index, unless
        the caller already holds one in memory, as a reloading server does)."""
        if self.pending is None:
            return
        sdir, parsed, resolver, stats, base, previous = self.pending
        t = time.perf_counter()
        _write(sdir, self.kb, parsed, resolver, stats, base, previous, search_index)
        self.kb.timings["write_store"] = time.perf_counter() - t
        self.pending = None


def default_store_dir(root: Path) -> Path:
    """Where a root's store lives unless told otherwise: $CODEX_GRAPH_STORE_HOME or ~/.cache/codex-graph."""
    home = Path(os.environ.get("CODEX_GRAPH_STORE_HOME") or Path.home() / ".cache" / "codex-graph")
    return home / hashlib.blake2b(str(root).encode(), digest_size=8).hexdigest()


def _stat_all(root: Path) -> tuple[list[tuple[str, str]], dict[str, tuple[int, int]]]:
    entries = reader.iter_markdown(root)
    stats: dict[str, tuple[int, int]] = {}
    for rel, full in entries:
        try:
            st = os.stat(full, follow_symlinks=False)
            stats[rel] = (st.st_size, st.st_mtime_ns)
        except OSError:
            stats[rel] = (-1, -1)
    return entries, stats


def _parse(root: Path, rel: str, full: str, stat: tuple[int, int], old: Parsed | None) -> Parsed:
    raw, diags = reader.read_one(root, rel, full)
    if raw is None:
        return Parsed("", stat[0], stat[1], None, diags)
    if old is not None and old.digest == raw.digest and old.doc is not None:
        return Parsed(raw.digest, stat[0], stat[1], old.doc, old.diagnostics)
    doc, problems = documents.build(raw)
    return Parsed(raw.digest, stat[0], stat[1], doc, diags + problems)


PARALLEL_MIN = 2000
"""Fewer files than this are parsed in-process: starting workers would cost more than it saves."""


def _parse_chunk(args: tuple[Path, list[tuple[str, str]], dict[str, tuple[int, int]]]) -> list[tuple[str, Parsed]]:
    root, chunk, stats = args
    return [(rel, _parse(root, rel, full, stats[rel], None)) for rel, full in chunk]


def _parse_all(
    root: Path, todo: list[tuple[str, str]], stats: dict[str, tuple[int, int]], old: dict[str, Parsed], jobs: int | None
) -> Iterator[tuple[str, Parsed]]:
    """Parse files in this process, or across `jobs` forked processes for large batches."""
    if not jobs or jobs < 2 or len(todo) < PARALLEL_MIN:
        for rel, full in todo:
            yield rel, _parse(root, rel, full, stats[rel], old.get(rel))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    size = max(200, len(todo) // (jobs * 8))
    chunks = [(root, todo[i : i + size], {rel: stats[rel] for rel, _ in todo[i : i + size]}) for i in range(0, len(todo), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork")) as pool:
        for results in pool.map(_parse_chunk, chunks):
            for rel, result in results:
                prev = old.get(rel)
                if prev is not None and prev.digest == result.digest and prev.doc is not None:
                    result = Parsed(result.digest, result.size, result.mtime_ns, prev.doc, prev.diagnostics)
                yield rel, result


def build(
    root: str | os.PathLike[str] | None = None,
    store_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    base: str = DEFAULT_BASE,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    previous: KnowledgeBase | None = None,
    persist: bool = True,
    serving: bool = False,
) -> BuildResult:
    """Compile root into its store, reusing whatever has not changed.

    `jobs` processes parse the files (default: one; the CLI passes the core count for large
    corpora); results are identical whatever the number. `previous`, a knowledge base this
    process built, replaces reading the last build from disk; with `persist=False` the store is
    written only when `BuildResult.persist()` is called (a server swaps in the new graph first).
    With `serving=True`, an unchanged store is loaded as a server needs it (`_serving_pickler`).
    """
    with paused_gc():
        return _build(
            root,
            store_dir,
            force=force,
            base=base,
            progress=progress,
            jobs=jobs,
            previous=previous,
            persist=persist,
            serving=serving,
        )


def _build(
    root: str | os.PathLike[str] | None,
    store_dir: str | os.PathLike[str] | None,
    *,
    force: bool,
    base: str,
    progress: Callable[[int, int], None] | None,
    jobs: int | None,
    previous: KnowledgeBase | None,
    persist: bool,
    serving: bool = False,
) -> BuildResult:
    t0 = time.perf_counter()
    root_path = reader.check_root(root if root is not None else SAMPLE_ROOT)
    sdir = Path(store_dir) if store_dir is not None else default_store_dir(root_path)
    base = base if base.endswith(("/", "#", ":")) else base + "/"
    entries, stats = _stat_all(root_path)
    snapshot = previous.snapshot if previous is not None and not force else None
    if previous is not None and snapshot is not None and snapshot["stats"] == stats:
        return BuildResult(previous, "reused", timings={"total": time.perf_counter() - t0})
    meta = _read_meta(sdir)
    fresh_meta = (
        meta is not None
        and meta.get("version") == STORE_VERSION
        and meta.get("root") == str(root_path)
        and meta.get("base") == base
    )
    if fresh_meta and not force and meta is not None and meta.get("files_digest") == _files_digest(stats):
        kb = _load_kb(sdir, root_path, base, str(meta["oxigraph"]), serving)
        kb.timings["load_store"] = time.perf_counter() - t0
        return BuildResult(kb, "reused", timings={"total": time.perf_counter() - t0})
    old_parsed: dict[str, Parsed] = {}
    old_resolver: Resolver | None = None
    if previous is not None and snapshot is not None:
        old_parsed, old_resolver = snapshot["parsed"], previous.resolver
    elif fresh_meta and not force:
        try:
            with open(sdir / "compiled.pickle", "rb") as fh:
                old_parsed, old_resolver, _old_model = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            old_parsed, old_resolver = {}, None
    status = "incremental" if old_parsed else "full"
    parsed: dict[str, Parsed] = {}
    changed: list[str] = []
    t1 = time.perf_counter()
    todo: list[tuple[str, str]] = []
    for rel, full in entries:
        old = old_parsed.get(rel)
        if old is not None and (old.size, old.mtime_ns) == stats[rel]:
            parsed[rel] = old
        else:
            todo.append((rel, full))
    done = len(parsed)
    for rel, result in _parse_all(root_path, todo, stats, old_parsed, jobs):
        parsed[rel] = result
        old = old_parsed.get(rel)
        if old is None or old.digest != result.digest:
            changed.append(rel)
        done += 1
        if progress is not None:
            progress(done, len(entries))
    parsed = {rel: parsed[rel] for rel, _ in entries}
    removed = sorted(set(old_parsed) - set(parsed))
    t2 = time.perf_counter()
    docs = [p.doc for p in parsed.values() if p.doc is not None]
    resolver = Resolver(docs)
    touched_paths = set(changed) | set(removed)
    touched = [
        version.doc
        for rel in touched_paths
        for version in (old_parsed.get(rel), parsed.get(rel))
        if version is not None and version.doc is not None
    ]
    if old_resolver is not None:
        resolver.carry(old_resolver, touched, touched_paths)
    model = assemble(docs, resolver)
    model.diagnostics = [d for p in parsed.values() for d in p.diagnostics] + model.diagnostics
    model.files_seen = len(entries)
    t3 = time.perf_counter()
    kb = KnowledgeBase(root_path, model, resolver, base, {"read_and_parse": t2 - t1, "resolve_and_model": t3 - t2})
    kb.snapshot = {"parsed": parsed, "stats": stats}
    outcome = BuildResult(kb, status, changed, removed, {"total": time.perf_counter() - t0})
    outcome.pending = (sdir, parsed, resolver, stats, base, (meta or {}).get("oxigraph"))
    if persist:
        outcome.persist()
    return outcome


def _files_digest(stats: dict[str, tuple[int, int]]) -> str:
    """One fingerprint of every file's path, size and modification time: equal means unchanged."""
    text = "\n".join(f"{path}\t{size}\t{mtime}" for path, (size, mtime) in sorted(stats.items()))
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _read_meta(sdir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((sdir / "meta.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


_LOADER = (
    "import sys, pyoxigraph as ox\n"
    "s = ox.Store(sys.argv[2])\n"
    "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)\n"
    "s.flush()\n"
)


def _write(
    sdir: Path,
    kb: KnowledgeBase,
    parsed: dict[str, Parsed],
    resolver: Resolver,
    stats: dict[str, tuple[int, int]],
    base: str,
    previous: str | None,
    search_index: bool = True,
) -> None:
    """Write the store atomically enough: data first, meta.json last (its presence means complete)."""
    from .rdf import write_ntriples

    sdir.mkdir(parents=True, exist_ok=True)
    (sdir / "meta.json").unlink(missing_ok=True)
    # each build writes a new pyoxigraph directory, so processes still reading the previous one
    # (a server during a reload) are never pulled from under; older ones are removed
    name = f"oxigraph-{time.time_ns()}"

    nt = sdir / "graph.nt"
    with open(nt, "wb") as fh:
        write_ntriples(kb.model, base, fh)
    # pyoxigraph loads the N-Triples in a fresh process while this one pickles the records
    # (no fork: pyoxigraph's own threads make forking this process unsafe)
    loader = subprocess.Popen([sys.executable, "-c", _LOADER, str(nt), str(sdir / name)], stdin=subprocess.DEVNULL)
    with open(sdir / "compiled.pickle.tmp", "wb") as fh:
        pickle.dump((parsed, resolver, kb.model), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(sdir / "compiled.pickle.tmp", sdir / "compiled.pickle")
    summary = {k: v for k, v in kb.summary().items() if k != "timings_s"}
    with open(sdir / "serving.pickle.tmp", "wb") as fh:
        _serving_pickler(fh).dump((summary, resolver, kb.model))
    os.replace(sdir / "serving.pickle.tmp", sdir / "serving.pickle")
    # the search index too, so that servers open it rather than build it on start
    from .search import SearchIndex

    kb.oxigraph_dir = sdir / name
    if search_index:
        SearchIndex(kb).db.close()
    if loader.wait() != 0:
        raise CodexGraphError(f"loading the RDF store in {sdir} failed")
    meta = {
        "version": STORE_VERSION,
        "root": str(kb.root),
        "base": base,
        "files": len(stats),
        "files_digest": _files_digest(stats),
        "nodes": len(kb.model.nodes),
        "edges": len(kb.model.edges),
        "oxigraph": name,
        "previous_oxigraph": previous,
    }
    (sdir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    keep = tuple(k for k in (name, previous) if k)
    for old in sdir.glob("oxigraph-*"):  # directories and their search-index files
        if not old.name.startswith(keep):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    kb.store_dir = sdir
    kb.oxigraph_dir = sdir / name


def _light_document(doc: Document) -> tuple[Any, ...]:
    values = {f.name: getattr(doc, f.name) for f in dataclasses.fields(doc)}
    values.update(body="", refs=[])
    return Document, tuple(values.values())


def _light_resolver(resolver: Resolver) -> tuple[Any, ...]:
    return copyreg.__newobj__, (Resolver,), {**resolver.__getstate__(), "_cache": {}}  # type: ignore[attr-defined]


def _light_model(model: Model) -> tuple[Any, ...]:
    return copyreg.__newobj__, (Model,), {**model.__getstate__(), "references": []}  # type: ignore[attr-defined]


def _serving_pickler(fh: Any) -> pickle.Pickler:
    """A pickler for what a server needs: documents without bodies or references (the edges
    carry what the references say, the search index keeps the bodies) and a resolver without
    its cache. It loads in about half the time and memory of the full records."""
    pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table.update({Document: _light_document, Resolver: _light_resolver, Model: _light_model})
    pickler.dispatch_table = table
    return pickler


def _load_kb(sdir: Path, root: Path, base: str, oxigraph: str, serving: bool = False) -> KnowledgeBase:
    # the light records leave the bodies to the search index: without one, load everything
    if serving and (sdir / "serving.pickle").exists() and (sdir / f"{oxigraph}.search.sqlite").exists():
        with open(sdir / "serving.pickle", "rb") as fh:
            summary, resolver, model = pickle.load(fh)
        kb = KnowledgeBase(root, model, resolver, base, light=True, _summary=summary)
        kb.store_dir = sdir
        kb.oxigraph_dir = sdir / oxigraph
        return kb
    with open(sdir / "compiled.pickle", "rb") as fh:
        _parsed, resolver, model = pickle.load(fh)
    kb = KnowledgeBase(root, model, resolver, base)
    kb.store_dir = sdir
    kb.oxigraph_dir = sdir / oxigraph
    kb.snapshot = {"parsed": _parsed, "stats": {k: (p.size, p.mtime_ns) for k, p in _parsed.items()}}
    return kb
