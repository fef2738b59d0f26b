"""Query execution on pyoxigraph in worker processes, under a time limit and a row cap.

A running pyoxigraph query cannot be interrupted from Python, so each query runs in a worker
process that holds its own copy of the store; a query past its time limit is stopped by killing
that worker, which is then replaced. Other queries keep running on the other workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import CodexGraphError, QueryError, QuerySyntaxError
from .query import is_point_lookup


class QueryTimeout(CodexGraphError):
    """A query ran past its time limit and was stopped."""

    http_status = 422
    code = "query_timeout"


class EngineBusy(CodexGraphError):
    """Every worker is busy and the wait queue is full."""

    http_status = 503
    code = "busy"


@dataclass
class Answer:
    """A serialised query result."""

    media_type: str
    body: bytes
    truncated: bool
    rows: int


def _worker(conn: Connection, dump: str) -> None:
    """Worker process: open the store, then answer (query, format, cap) requests until EOF."""
    from .results import execute

    store = open_store(dump)
    conn.send(("ready",))
    while True:
        try:
            query, fmt, cap = conn.recv()
        except EOFError:
            return
        try:
            media, body, truncated, rows = execute(store, query, fmt, cap)
            conn.send(("ok", media, body, truncated, rows))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except Exception as exc:  # an evaluation error is the query's, reported as such
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def open_store(location: str) -> Any:
    """A pyoxigraph store: a persisted store directory opened read-only, or an N-Triples file loaded in memory."""
    import pyoxigraph as ox

    if os.path.isdir(location):
        return ox.Store.read_only(location)
    store = ox.Store()
    store.bulk_load(path=location, format=ox.RdfFormat.N_TRIPLES)
    return store


class _Proc:
    """One worker: a fresh interpreter running `python -m graph.engine FD DUMP` over a socket pair."""

    def __init__(self, dump: str) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graph.engine", str(child.fileno()), dump],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            raise CodexGraphError("SPARQL worker did not start in time")
        self.conn.recv()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(2)
        with contextlib.suppress(Exception):
            self.conn.close()


STARTUP_WAIT = 120.0
"""Longest a query waits for an engine that is starting."""


class Engine:
    """A pool of query workers over one graph: an N-Triples dump, or a store's pyoxigraph directory."""

    def __init__(
        self, dump: str, *, workers: int = 2, timeout: float = 5.0, max_rows: int = 10_000, max_waiting: int = 16
    ) -> None:
        self.dump = dump
        self.size = max(1, workers)
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_waiting = max_waiting
        self._idle: asyncio.Queue[_Proc] | None = None
        self._all: list[_Proc] = []
        self._waiting = 0
        self._closed = False
        self._settled = threading.Event()
        self._local: Any = None
        self.local_points = os.path.isdir(dump)
        """Point lookups run in this process on the store opened read-only, not in a worker."""

    def start(self) -> None:
        """Start the workers and wait until each has loaded the store.

        Queries that arrive while it starts wait for it (a reloading server swaps the new
        graph in first and starts its engine after).
        """
        procs = [_Proc(self.dump) for _ in range(self.size)]
        try:
            for p in procs:
                p.wait_ready(120)
        except BaseException:
            for p in procs:
                p.kill()
            self._settled.set()
            raise
        if self._closed:
            for p in procs:
                p.kill()
            self._settled.set()
            return
        self._all = procs
        idle: asyncio.Queue[_Proc] = asyncio.Queue()
        for p in procs:
            idle.put_nowait(p)
        self._idle = idle
        self._settled.set()

    async def run(self, query: str, fmt: str) -> Answer:
        """Run a checked query; raise QueryTimeout past the limit, EngineBusy when saturated."""
        if self.local_points and not self._closed and is_point_lookup(query):
            return self._run_here(query, fmt)
        if not self._settled.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self._settled.wait, STARTUP_WAIT)
        if self._idle is None:
            raise CodexGraphError("SPARQL engine is not started")
        if self._idle.empty() and self._waiting >= self.max_waiting:
            raise EngineBusy("too many queries at once; try again shortly")
        self._waiting += 1
        start = time.monotonic()
        try:
            proc = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError:
            raise EngineBusy("no SPARQL worker became free in time; try again shortly") from None
        finally:
            self._waiting -= 1
        remaining = max(0.05, self.timeout - (time.monotonic() - start))
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        try:
            proc.conn.send((query, fmt, self.max_rows))

            def wake() -> None:
                if not ready.done():
                    ready.set_result(None)

            loop.add_reader(proc.conn.fileno(), wake)
            try:
                await asyncio.wait_for(asyncio.shield(ready), timeout=remaining)
            finally:
                loop.remove_reader(proc.conn.fileno())
            reply = proc.conn.recv()
        except (TimeoutError, EOFError, OSError, BrokenPipeError):
            await self._replace(proc)
            raise QueryTimeout(f"query stopped after {self.timeout:g} s (the time limit); narrow it or add a LIMIT") from None
        self._idle.put_nowait(proc)
        status = reply[0]
        if status == "ok":
            _, media, body, truncated, rows = reply
            return Answer(media, body, truncated, rows)
        if status == "syntax":
            raise QuerySyntaxError(f"SPARQL syntax error: {reply[1]}")
        raise QueryError(f"SPARQL query failed: {reply[1]}")

    def _run_here(self, query: str, fmt: str) -> Answer:
        """A point lookup, answered in this process: its cost is bounded by one node's
        out-degree (see `graph.query.is_point_lookup`), so it needs no time limit."""
        from .results import execute

        if self._local is None:
            self._local = open_store(self.dump)
        try:
            media, body, truncated, rows = execute(self._local, query, fmt, self.max_rows)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
        except Exception as exc:
            raise QueryError(f"SPARQL query failed: {type(exc).__name__}: {exc}") from None
        return Answer(media, body, truncated, rows)

    async def _replace(self, proc: _Proc) -> None:
        proc.kill()
        if proc in self._all:
            self._all.remove(proc)
        if self._closed:
            return
        loop = asyncio.get_running_loop()

        def spawn() -> _Proc:
            new = _Proc(self.dump)
            new.wait_ready(120)
            return new

        async def refill() -> None:
            new = await loop.run_in_executor(None, spawn)
            if self._closed:
                new.kill()
                return
            self._all.append(new)
            assert self._idle is not None
            self._idle.put_nowait(new)

        loop.create_task(refill())

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        self._settled.set()
        self._local = None
        for p in self._all:
            with contextlib.suppress(Exception):
                p.conn.close()
            p.kill()
        self._all = []


class RemoteEngine:
    """Queries forwarded to a remote SPARQL 1.1 endpoint, over one named graph, under the time limit."""

    MEDIA: dict[str, str] = {
        "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
        "turtle": "text/turtle",
        "nt": "application/n-triples",
        "jsonld": "application/ld+json",
        "rdfxml": "application/rdf+xml",
    }

    def __init__(self, endpoint: str, graph: str, *, timeout: float = 5.0) -> None:
        self.endpoint, self.graph, self.timeout = endpoint, graph, timeout
        self.client: Any = None

    def start(self) -> None:
        import httpx

        self.client = httpx.AsyncClient(timeout=self.timeout)

    async def run(self, query: str, fmt: str) -> Answer:
        import httpx

        try:
            r = await self.client.post(
                self.endpoint, data={"query": query, "default-graph-uri": self.graph}, headers={"Accept": self.MEDIA[fmt]}
            )
        except httpx.TimeoutException:
            raise QueryTimeout(f"the remote store did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise CodexGraphError(f"remote SPARQL endpoint unreachable: {exc}") from None
        if r.status_code >= 400:
            raise QueryError(f"remote SPARQL endpoint answered {r.status_code}: {r.text[:300]}")
        media = r.headers.get("content-type", self.MEDIA[fmt])
        return Answer(media, r.content, False, -1)

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                asyncio.get_event_loop().create_task(client.aclose())


def write_dump(kb: Any, directory: str) -> str:
    """Write the graph as N-Triples for the workers to load; returns the file path."""
    from .rdf import write_ntriples

    path = os.path.join(directory, "graph.nt")
    with open(path, "wb") as fh:
        write_ntriples(kb.model, kb.base, fh)
    return path


if __name__ == "__main__":
    _worker(Connection(int(sys.argv[1])), sys.argv[2])
