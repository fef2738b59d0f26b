"""Graph dumps: one table of export formats, each a function writing to a binary stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from .compiler import KnowledgeBase
from .errors import UnknownFormatError


@dataclass(frozen=True)
class ExportFormat:
    """A dump format: media type, file extension and the writer."""

    media_type: str
    extension: str
    write: Callable[[KnowledgeBase, IO[bytes]], None]


def _rdf(name: str) -> Callable[[KnowledgeBase, IO[bytes]], None]:
    def write(kb: KnowledgeBase, out: IO[bytes]) -> None:
        kb.rdf.serialize(destination=out, format=name, encoding="utf-8")

    return write


FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("text/turtle", "ttl", _rdf("turtle")),
    "nt": ExportFormat("application/n-triples", "nt", _rdf("nt")),
}


def get_format(name: str) -> ExportFormat:
    """The export format called name, or a clear error listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormatError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}") from None


def export(kb: KnowledgeBase, name: str, out: IO[bytes]) -> None:
    """Write the whole graph to out in the named format."""
    get_format(name).write(kb, out)
