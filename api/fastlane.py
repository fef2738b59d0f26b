"""A fast lane for the hottest GETs: the same endpoint functions, without FastAPI's per-request
routing and parameter solving (about a third of the cost of a small answer).

Only plain requests take it: a known path, known query parameters with valid values, no
`Origin` header. Whatever the endpoint raises, the request goes on to the full app, which
answers it (errors included) as it always does, so the lane never changes an answer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .routes import claim_sources
from .sparql import sparql

Handler = Callable[[Request, re.Match[str], dict[str, str]], Awaitable[Response | None]]


async def _sparql(request: Request, _match: re.Match[str], params: dict[str, str]) -> Response | None:
    if "query" not in params or set(params) - {"query", "format"}:
        return None
    return await sparql(request)


async def _claim_sources(request: Request, match: re.Match[str], params: dict[str, str]) -> Response | None:
    if set(params) - {"limit"}:
        return None
    limit = params.get("limit", "20")
    if not (limit.isdigit() and 1 <= int(limit) <= 200):
        return None
    return await claim_sources(request, match.group(1), int(limit))


LANES: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"/sparql"), _sparql),
    (re.compile(r"/claims/(.+)/sources"), _claim_sources),
]
"""(path, handler) of the requests that may take the lane; the paths are those of the routes
in `api.sparql` and `api.routes` whose functions the handlers call."""


class FastLane:
    """ASGI middleware: serves plain GETs of the paths in `LANES` by calling their endpoints."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.served = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            response = await self._try(scope, receive)
            if response is not None:
                self.served += 1
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _try(self, scope: Scope, receive: Receive) -> Response | None:
        path = scope["path"]
        for pattern, handler in LANES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if any(name == b"origin" for name, _ in scope["headers"]):
                return None
            request = Request(scope, receive)
            pairs = request.query_params.multi_items()  # parsed once, for the endpoint too
            params = dict(pairs)
            if len(params) != len(pairs):
                return None
            try:
                return await handler(request, match, params)
            except Exception:  # the full app answers it, errors and all
                return None
        return None
