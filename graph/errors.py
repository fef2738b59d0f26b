"""One exception hierarchy for codex-graph, translated once at each boundary (CLI, HTTP)."""

from __future__ import annotations


class CodexGraphError(Exception):
    """Root of every error codex-graph raises on purpose; carries an HTTP status and a code."""

    http_status = 500
    code = "internal_error"

    def __init__(self, message: str, *, detail: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    def to_dict(self) -> dict[str, object]:
        """The one JSON error shape used everywhere."""
        return {"error": {"code": self.code, "message": self.message, **({"detail": self.detail} if self.detail else {})}}


class UsageError(CodexGraphError):
    """The caller's mistake: a bad argument, root, format or query."""

    http_status = 400
    code = "bad_request"


class BadRootError(UsageError):
    """The knowledge-base root does not exist or is not a directory."""

    code = "bad_root"


class UnknownFormatError(UsageError):
    """A format name that no table in codex-graph knows."""

    code = "unknown_format"


class QueryError(UsageError):
    """A SPARQL query that does not parse or cannot run."""

    code = "bad_query"


class QuerySyntaxError(QueryError):
    """A query the engine could not parse (see `graph.query.diagnose` for where)."""


class ReadOnlyError(UsageError):
    """SPARQL Update, LOAD and the like: the graph is read-only."""

    http_status = 403
    code = "read_only"


class NotFoundError(UsageError):
    """A node or reference that names nothing in the graph."""

    http_status = 404
    code = "not_found"
