"""The compiled records every later stage reads: diagnostics, documents, references, tweets,
and the typed nodes and edges from which both the RDF and the networkx graphs are emitted."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any


def _by_constructor(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a record as a constructor call: loads much faster than slot-by-slot state."""
    return type(self), tuple(getattr(self, name) for name in self.__slots__)


@dataclass(slots=True)
class Diagnostic:
    """A problem with one input file, named by its root-relative path."""

    __reduce__ = _by_constructor

    path: str
    severity: str  # "error" | "warning" | "info"
    code: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "severity": self.severity, "code": self.code, "message": self.message, "line": self.line}


@dataclass(slots=True)
class Reference:
    """One mention of another document: a frontmatter list item or a `[[wiki link]]`."""

    __reduce__ = _by_constructor

    raw: str
    relation: str
    path: str
    line: int | None
    field: str | None = None
    target: str | None = None
    method: str = "unresolved"
    score: float = 0.0
    candidates: list[str] = _field(default_factory=list)


@dataclass(slots=True)
class Tweet:
    """One tweet mentioned by a document: with a status id, or a quoted bullet of an X archive."""

    __reduce__ = _by_constructor

    id: str | None
    text: str | None
    path: str
    line: int
    url: str | None = None
    likes: int | None = None
    theme: str | None = None
    label: str | None = None
    handle: str | None = None


@dataclass(slots=True)
class Document:
    """One Markdown file after frontmatter parsing and field normalisation."""

    __reduce__ = _by_constructor

    path: str
    kind: str
    title: str
    doc_type: str | None = None
    h1: str | None = None
    fields: dict[str, Any] = _field(default_factory=dict)
    extra: dict[str, Any] = _field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    refs: list[Reference] = _field(default_factory=list)
    tweets: list[Tweet] = _field(default_factory=list)
    field_lines: dict[str, int] = _field(default_factory=dict)


@dataclass(slots=True)
class Node:
    """A typed graph node; `key` is its IRI relative to the base IRI."""

    __reduce__ = _by_constructor

    key: str
    cls: str
    label: str
    path: str | None = None
    line: int | None = None
    props: dict[str, Any] = _field(default_factory=dict)


@dataclass(slots=True)
class Edge:
    """A typed, directed edge with the file and line that state it."""

    __reduce__ = _by_constructor

    src: str
    dst: str
    kind: str
    path: str | None = None
    line: int | None = None
    props: dict[str, Any] = _field(default_factory=dict)
