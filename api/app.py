"""The HTTP service: `create_app(kb)` builds a FastAPI app over one compiled knowledge base.

The live state (graph, search index, query workers) sits behind one reference that a reload
swaps atomically: a request reads it once and finishes on the state it started with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.compiler import KnowledgeBase, compile_kb
from graph.engine import Engine, RemoteEngine, write_dump
from graph.errors import CodexGraphError
from graph.search import SearchIndex

from .cache import ResponseCache
from .fastlane import FastLane

log = logging.getLogger("codex_graph.api")


@dataclass
class Settings:
    """Service limits and options (all have safe defaults)."""

    query_timeout: float = 5.0
    max_rows: int = 10_000
    workers: int = 2
    max_waiting: int = 16
    max_body: int = 64 * 1024
    cors_origins: list[str] = field(default_factory=list)
    watch: bool = False
    watch_debounce_ms: int = 200
    warm_layout: bool = False
    response_cache: bool = True
    fast_lane: bool = True
    sparql_endpoint: str | None = None
    graph: str | None = None


@dataclass
class State:
    """One generation of served data."""

    kb: KnowledgeBase
    search: SearchIndex
    engine: Engine | RemoteEngine
    generation: int
    tmpdir: tempfile.TemporaryDirectory[str]

    def prepare(self) -> None:
        """Start what a state built with `defer=True` left for later: the query engine (its
        N-Triples dump first, when there is no store). The search index is built by the first
        search, so that back-to-back reloads do not each build one."""
        if isinstance(self.engine, Engine):
            if self.kb.oxigraph_dir is None:
                write_dump(self.kb, self.tmpdir.name)
            self.engine.start()

    def close(self) -> None:
        self.engine.close()
        self.tmpdir.cleanup()


def _build_state(kb: KnowledgeBase, settings: Settings, generation: int, *, defer: bool = False) -> State:
    """The served state of kb. With `defer`, nothing slow happens here (see `State.prepare`), so
    a reloading server can swap the new graph in as soon as it is compiled."""
    tmp = tempfile.TemporaryDirectory(prefix="codex-graph-")
    search = SearchIndex(kb, lazy=defer)
    if settings.sparql_endpoint:
        remote = RemoteEngine(settings.sparql_endpoint, settings.graph or kb.base, timeout=settings.query_timeout)
        return State(kb, search, remote, generation, tmp)
    if kb.oxigraph_dir is not None:
        dump = str(kb.oxigraph_dir)
    else:
        dump = os.path.join(tmp.name, "graph.nt")
        if not defer:
            write_dump(kb, tmp.name)
    engine = Engine(
        dump,
        workers=settings.workers,
        timeout=settings.query_timeout,
        max_rows=settings.max_rows,
        max_waiting=settings.max_waiting,
    )
    return State(kb, search, engine, generation, tmp)


def _warm(state: State) -> None:
    from . import explorer

    try:
        explorer.warm(state)
    except Exception:
        log.exception("could not lay out the explorer's default view")


def error_response(status: int, code: str, message: str, detail: dict[str, Any] | None = None) -> JSONResponse:
    """The one JSON error shape: {"error": {"code", "message", "detail"?}}."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    return JSONResponse(body, status_code=status)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(CodexGraphError)
    async def codex_error(_: Request, exc: CodexGraphError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")} for e in exc.errors()]
        return error_response(422, "invalid_parameter", "invalid request parameters", {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error")
        return error_response(500, "internal_error", "internal error; this is a bug in codex-graph")


class _App(FastAPI):
    """FastAPI with middleware outside its own stack (`outer`, outermost first): the response
    cache and the fast lane answer before FastAPI's per-request layers run at all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outer: list[tuple[Any, dict[str, Any]]] = []

    def build_middleware_stack(self) -> Any:
        app = super().build_middleware_stack()
        for cls, options in reversed(self.outer):
            app = cls(app, **options)
        return app


def create_app(kb: KnowledgeBase, settings: Settings | None = None) -> FastAPI:
    """A FastAPI app serving kb: SPARQL at /sparql, the JSON API, OpenAPI docs at /docs."""
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.staticfiles import StaticFiles

    from . import explorer, routes, sparql

    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        state = await loop.run_in_executor(None, _build_state, kb, settings, 1)
        await loop.run_in_executor(None, state.engine.start)
        app.state.current = state
        if settings.warm_layout:
            threading.Thread(target=_warm, args=(state,), name="codex-graph-layout", daemon=True).start()
        watcher = None
        if settings.watch:
            watcher = _Watcher(app, settings, asyncio.get_running_loop())
            watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            app.state.current.close()

    app = _App(
        title="codex-graph",
        version="0.1.0",
        lifespan=lifespan,
        description="A knowledge graph of agent-written sources and claims: SPARQL and a JSON API.",
    )
    app.state.settings = settings
    _install_errors(app)
    if settings.cors_origins:
        cors = {"allow_origins": settings.cors_origins, "allow_methods": ["GET", "POST"], "allow_headers": ["*"]}
        app.outer.append((CORSMiddleware, cors))
    if settings.response_cache:
        app.outer.append((ResponseCache, {}))
    if settings.fast_lane:
        app.outer.append((FastLane, {}))
    app.include_router(sparql.router)
    app.include_router(routes.router)
    app.include_router(explorer.router)
    app.mount("/static", StaticFiles(directory=explorer.STATIC), name="static")
    return app


PERSIST_QUIET = 5.0
"""Seconds without a reload before a reloading server writes its store."""


class _Watcher:
    """Recompiles on file changes and swaps the served state; old states close after a grace period.

    The store is written by a second thread once edits settle (and on stop), never between
    a save and its answer: each rebuild starts from the served graph, not from the disk.
    """

    def __init__(
        self, app: FastAPI, settings: Settings, loop: asyncio.AbstractEventLoop, on_swap: Callable[[State], None] | None = None
    ) -> None:
        self.app, self.settings, self.loop, self.on_swap = app, settings, loop, on_swap
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="codex-graph-watch", daemon=True)
        self.persister = threading.Thread(target=self._persist_loop, name="codex-graph-persist", daemon=True)
        self._unwritten: Any = None
        self._unwritten_at = 0.0
        self._changed = threading.Condition()

    def start(self) -> None:
        self.thread.start()
        self.persister.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(5)
        with self._changed:
            self._changed.notify_all()
        self.persister.join(120)

    def _to_persist(self, result: Any) -> None:
        with self._changed:
            self._unwritten, self._unwritten_at = result, time.monotonic()
            self._changed.notify_all()

    def _persist_loop(self) -> None:
        while True:
            with self._changed:
                while self._unwritten is None and not self.stop_event.is_set():
                    self._changed.wait()
                while self._unwritten is not None and not self.stop_event.is_set():
                    quiet = time.monotonic() - self._unwritten_at
                    if quiet >= PERSIST_QUIET:
                        break
                    self._changed.wait(PERSIST_QUIET - quiet)
                job, self._unwritten = self._unwritten, None
            if job is not None:
                try:
                    job.persist()
                except Exception:
                    log.exception("could not write the store; the served graph is unaffected")
            elif self.stop_event.is_set():
                return

    def _run(self) -> None:
        from watchfiles import watch

        root: Path = self.app.state.current.kb.root
        for _changes in watch(
            root,
            stop_event=self.stop_event,
            debounce=self.settings.watch_debounce_ms,
            step=50,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            try:
                self.reload()
            except Exception:
                log.exception("reload failed; still serving the previous graph")

    def reload(self) -> None:
        """Compile again and swap; requests in flight keep the state they started with.

        The new graph is served as soon as it is compiled: its query engine starts after the swap
        (queries wait for it), its search index at the first search, and the persisted store is
        written once edits settle.
        """
        old: State = self.app.state.current
        pending = None
        if old.kb.store_dir is not None or old.kb.snapshot is not None:
            from graph.store import build

            result = build(old.kb.root, old.kb.store_dir, base=old.kb.base, previous=old.kb, persist=False, serving=True)
            if result.status == "reused":
                return
            kb, pending = result.kb, result
        else:
            kb = compile_kb(old.kb.root, base=old.kb.base)
        new = _build_state(kb, self.settings, old.generation + 1, defer=True)
        self.app.state.current = new
        if self.on_swap is not None:
            self.on_swap(new)
        log.info("reloaded %s: generation %d, %d nodes", kb.root, new.generation, len(kb.model.nodes))
        if pending is not None:
            self._to_persist(pending)
        threading.Thread(target=self._prepare, args=(old, new), name="codex-graph-prepare", daemon=True).start()

    def _prepare(self, old: State, new: State) -> None:
        """Start the swapped-in state's engine and index (queries to them wait meanwhile); close
        the previous state after a grace period, or go back to it if the new one cannot start."""
        grace = max(10.0, self.settings.query_timeout * 2)
        try:
            new.prepare()
        except Exception:
            log.exception("the new graph's query engine did not start; serving the previous graph")
            if self.app.state.current is new:
                self.app.state.current = old
                if self.on_swap is not None:
                    self.on_swap(old)
            self.loop.call_soon_threadsafe(self.loop.call_later, grace, new.close)
            return
        self.loop.call_soon_threadsafe(self.loop.call_later, grace, old.close)


def app_from_env() -> FastAPI:
    """App factory for several uvicorn worker processes: each loads the same persisted store.

    Reads CODEX_GRAPH_ROOT, CODEX_GRAPH_STORE and CODEX_GRAPH_SETTINGS (JSON of Settings).
    """
    import json

    from graph.store import build

    root = os.environ["CODEX_GRAPH_ROOT"]
    kb = build(
        root,
        os.environ.get("CODEX_GRAPH_STORE") or None,
        base=os.environ.get("CODEX_GRAPH_BASE") or "https://codex-graph.dev/kb/",
        serving=True,
    ).kb
    settings = Settings(**json.loads(os.environ.get("CODEX_GRAPH_SETTINGS") or "{}"))
    return create_app(kb, settings)
