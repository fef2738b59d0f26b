"""The compiled records every later stage reads: diagnostics, documents, references, tweets,
and the typed nodes and edges from which both the RDF and the networkx graphs are emitted."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any


@dataclass(slots=True)
class Diagnostic:
    """A problem with one input file, named by its root-relative path."""

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

    key: str
    cls: str
    label: str
    path: str | None = None
    line: int | None = None
    props: dict[str, Any] = _field(default_factory=dict)


@dataclass(slots=True)
class Edge:
    """A typed, directed edge with the file and line that state it."""

    src: str
    dst: str
    kind: str
    path: str | None = None
    line: int | None = None
    props: dict[str, Any] = _field(default_factory=dict)
