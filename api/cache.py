"""A response cache for GET answers: the graph never changes within a generation, so an answer
computed once is right until the next reload. Keyed by generation, path, query and Accept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = (
    "/sparql",
    "/claims",
    "/sources",
    "/tweets",
    "/authors",
    "/tags",
    "/domains",
    "/linked-sets",
    "/agents",
    "/nodes",
    "/search",
    "/resolve",
    "/stats",
    "/graph",
)
MAX_ENTRY = 1 << 20


class ResponseCache:
    """ASGI middleware: replays 200 answers to repeated GETs of the same generation."""

    def __init__(self, app: ASGIApp, max_bytes: int = 64 << 20) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple[Any, ...], tuple[list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(CACHEABLE_PREFIXES):
            await self.app(scope, receive, send)
            return
        state = getattr(scope["app"].state, "current", None) if "app" in scope else None
        generation = getattr(state, "generation", None)
        accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
        key = (generation, id(state), scope["path"], scope["query_string"], accept)
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
                self.hits += 1
        if hit is not None:
            headers, body = hit
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        cacheable = True

        async def capture(message: Message) -> None:
            nonlocal cacheable
            if message["type"] == "http.response.start":
                start.update(message)
                cacheable = message["status"] == 200
            elif message["type"] == "http.response.body" and cacheable:
                chunks.append(message.get("body", b""))
                if sum(len(c) for c in chunks) > MAX_ENTRY:
                    cacheable = False
            await send(message)

        await self.app(scope, receive, capture)
        if cacheable and start and generation is not None:
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            self._store(key, headers, body)

    def _store(self, key: tuple[Any, ...], headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (headers, body)
            self.size += len(body)
            while self.size > self.max_bytes and self.entries:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old)
