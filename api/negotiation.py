"""Content negotiation for SPARQL results: Accept with q-values, or a `format` parameter."""

from __future__ import annotations

from graph.errors import CodexGraphError

# media type -> result format, for SELECT and ASK (first entry is the default)
RESULT_MEDIA: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
# media type -> graph format, for CONSTRUCT and DESCRIBE (first entry is the default)
GRAPH_MEDIA: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/n3": "turtle",
    "text/rdf+n3": "turtle",
}
SHORT_NAMES: dict[str, str] = {
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "rdfxml": "rdfxml",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "sparql-results+json": "json",
    "sparql-results+xml": "xml",
    "n3": "turtle",
}


class NotAcceptable(CodexGraphError):
    """No representation the client accepts can be served."""

    http_status = 406
    code = "not_acceptable"


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, i))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges]


def _matches(media_range: str, media: str) -> bool:
    if media_range in ("*/*", media):
        return True
    return media_range.endswith("/*") and media.startswith(media_range[:-1])


def choose(form: str, formats: list[str] | None, accept: str | None) -> str:
    """The result format for a query form: the first servable `format` value (name or media
    type), else the best match of Accept."""
    table = GRAPH_MEDIA if form in ("CONSTRUCT", "DESCRIBE") else RESULT_MEDIA
    allowed = set(table.values())
    if formats:
        for fmt in formats:
            name = SHORT_NAMES.get(fmt.lower()) or table.get(fmt.lower().split(";")[0].strip())
            if name in allowed:
                return name
        raise NotAcceptable(f"format {formats[0]!r} cannot be served for a {form} query; use one of {', '.join(sorted(allowed))}")
    ranges = parse_accept(accept)
    refused = {m for m, q in ranges if q <= 0}
    for media_range, q in ranges:
        if q <= 0:
            continue
        for media, name in table.items():
            if media not in refused and _matches(media_range, media):
                return name
    raise NotAcceptable(f"none of the accepted media types can be served for a {form} query; offered: {', '.join(table)}")
