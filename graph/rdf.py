"""Stage 6a: emit the compiled model as RDF (rdflib), using the vocabulary in `ontology/`.

Classes, edge kinds and fields map to terms through the tables below; fields no table knows
are kept under the field namespace (`cgf:`), so nothing written in frontmatter is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any

from rdflib import RDF, RDFS, XSD, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from .errors import UsageError
from .fields import AGENT_FIELDS, REFERENCE_FIELDS, parse_date
from .model import Model

CG = Namespace("https://codex-graph.dev/ontology#")
CGF = Namespace("https://codex-graph.dev/field/")
SCHEMA = Namespace("https://schema.org/")
SIOC = Namespace("http://rdfs.org/sioc/ns#")
PROV = Namespace("http://www.w3.org/ns/prov#")

PREFIXES: dict[str, Namespace] = {
    "cg": CG,
    "cgf": CGF,
    "dcterms": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "skos": Namespace(str(SKOS)),
    "schema": SCHEMA,
    "sioc": SIOC,
    "prov": PROV,
}

EDGE_PREDICATES: dict[str, URIRef] = {
    "authored_by": DCTERMS.creator,
    "has_tweet": CG.hasTweet,
    "cites_tweet": CG.citesTweet,
    "tweeted_by": CG.tweetedBy,
    "extracted": CG.extractedClaim,
    "enriched": CG.enrichedClaim,
    "links_to": CG.linksTo,
    "mentions": CG.mentions,
    "depends_on": CG.dependsOn,
    "challenged_by": CG.challengedBy,
    "challenges": CG.challenges,
    "related": CG.relatedClaim,
    "cites_source": CG.citesSource,
    "in_domain": CG.domain,
    "secondary_domain": CG.secondaryDomain,
    "tagged": CG.tag,
    "in_linked_set": CG.linkedSet,
    "processed_by": CG.processedBy,
    "tracked_by": CG.trackedBy,
    "agent": CG.agent,
    "archived_by": CG.archivedBy,
    "proposed_by": CG.proposedBy,
    "staked_by": CG.stakedBy,
    "ingested_by": CG.ingestedBy,
    "about_agent": CG.aboutAgent,
}

TEXT_FIELDS: dict[str, URIRef] = {
    "description": DCTERMS.description,
    "url": SCHEMA.url,
    "format": CG["format"],
    "status": CG.status,
    "confidence": CG.confidence,
    "source": DCTERMS.source,
    "author": CG.authorText,
    "name": SCHEMA.name,
    "entity_type": CG.entityType,
    "notes": CG.notes,
    "priority": CG.priority,
}

DATE_FIELDS: dict[str, tuple[URIRef, URIRef]] = {
    "date": (DCTERMS.date, CG.dateAsWritten),
    "created": (DCTERMS.created, CG.createdAsWritten),
    "processed_date": (CG.processedDate, CG.processedDateAsWritten),
    "last_evaluated": (CG.lastEvaluated, CG.lastEvaluatedAsWritten),
    "updated": (DCTERMS.modified, CG.modifiedAsWritten),
    "last_updated": (DCTERMS.modified, CG.modifiedAsWritten),
    "date_archived": (CG.dateArchived, CG.dateArchivedAsWritten),
}

DATE_TYPES: dict[str, URIRef] = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}

NODE_PROPS: dict[str, tuple[URIRef, URIRef | None]] = {
    "status_id": (CG.statusId, None),
    "url": (SCHEMA.url, None),
    "text": (SIOC.content, None),
    "likes": (CG.likes, XSD.integer),
    "theme": (CG.theme, None),
    "label": (CG.tweetLabel, None),
    "handle": (CG.xHandle, None),
    "raw": (CG.rawText, None),
    "h1": (CG.heading, None),
}

AS_EDGES = frozenset({"title", "type", "domain", "secondary_domains", "tags", "linked_set", *REFERENCE_FIELDS, *AGENT_FIELDS})
"""Fields written as edges (or as the title and class), not as literals."""

_FIELD_NAME = re.compile(r"[^A-Za-z0-9_\-]")


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD = str(XSD)
_STRING, _INTEGER, _DECIMAL = "", f"{_XSD}integer", f"{_XSD}decimal"


def _lit(value: str, datatype: str = _STRING) -> str:
    """An N-Triples literal."""
    if "\\" in value or '"' in value or "\n" in value or "\r" in value:
        value = value.translate(_ESCAPES)
    text = '"' + value + '"'
    return text + f"^^<{datatype}>" if datatype else text


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _lit("true" if value else "false", f"{_XSD}boolean")
    if isinstance(value, int):
        return _lit(str(value), _INTEGER)
    if isinstance(value, float):
        return _lit(
            "NaN"
            if value != value
            else ("INF" if value > 0 else "-INF")
            if value in (float("inf"), float("-inf"))
            else repr(value),
            f"{_XSD}double",
        )
    if isinstance(value, (dict, list)):
        return _lit(json.dumps(value, ensure_ascii=False, sort_keys=True), str(RDF.JSON))
    return _lit(str(value))


def _values(s: str, p: str, value: Any) -> Iterator[str]:
    if value is None or value == "":
        return
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        for v in value:
            if v is not None and v != "":
                yield f"{s} <{p}> {_value(v)} .\n"
        return
    yield f"{s} <{p}> {_value(value)} .\n"


def prefix_map(base: str) -> dict[str, str]:
    """Prefix -> namespace for serialisations people read (Turtle, tables), `kb:` for the base."""
    return {"kb": base, **{p: str(ns) for p, ns in PREFIXES.items()}}


@lru_cache(maxsize=4096)
def field_iri(name: str) -> URIRef:
    """The predicate that keeps an unknown frontmatter field."""
    return CGF[_FIELD_NAME.sub("_", name) or "_"]


def check_base(base: str) -> None:
    """Refuse a base IRI that would make invalid IRIs."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", base):
        raise UsageError(f'base IRI {base!r} is not an absolute IRI without spaces or <>"{{}}|\\^`')


def triples(model: Model, base: str) -> Iterator[str]:
    """The model as N-Triples lines: the one RDF emitter every store and dump reads."""
    a, label, path_p, line_p = f"<{RDF.type}>", f"<{RDFS.label}>", f"<{CG.sourcePath}>", f"<{CG.line}>"
    for node in model.nodes.values():
        s = f"<{base}{node.key}>"
        yield f"{s} {a} <{CG}{node.cls}> .\n"
        yield f"{s} {label} {_lit(node.label)} .\n"
        if node.path is not None:
            yield f"{s} {path_p} {_lit(node.path)} .\n"
        if node.line is not None:
            yield f"{s} {line_p} {_lit(str(node.line), _INTEGER)} .\n"
        if "fields" in node.props:
            yield from _document(s, node.label, node.props)
        else:
            for name, (pred, dtype) in NODE_PROPS.items():
                value = node.props.get(name)
                if value is not None:
                    yield f"{s} <{pred}> {_lit(str(value), str(dtype) if dtype else _STRING)} .\n"
    counters: dict[str, int] = {}
    # IRIs spelled out once: rdflib's namespace lookups would cost more than the rest per triple
    predicates = {kind: f"<{iri}>" for kind, iri in EDGE_PREDICATES.items() if isinstance(iri, URIRef)}
    reference, referrer, relation, target = (f"<{CG}{t}>" for t in ("Reference", "referrer", "relation", "target"))
    raw_text, resolution, score_p, field_p = (f"<{CG}{t}>" for t in ("rawText", "resolution", "score", "field"))
    for edge in model.edges:
        s, o = f"<{base}{edge.src}>", f"<{base}{edge.dst}>"
        edge_p = predicates[edge.kind]
        yield f"{s} {edge_p} {o} .\n"
        props = edge.props
        if "raw" in props:
            n = counters.get(edge.src, 0) + 1
            counters[edge.src] = n
            r = f"<{base}{edge.src}/ref/{n}>"
            yield f"{r} {a} {reference} .\n"
            yield f"{r} {referrer} {s} .\n"
            yield f"{r} {relation} {edge_p} .\n"
            yield f"{r} {target} {o} .\n"
            yield f"{r} {raw_text} {_lit(props['raw'])} .\n"
            yield f"{r} {resolution} {_lit(props['method'])} .\n"
            score = str(round(float(props["score"]), 3))
            yield f"{r} {score_p} {_lit(score, _DECIMAL)} .\n"
            if props.get("field"):
                yield f"{r} {field_p} {_lit(props['field'])} .\n"
            if edge.line is not None:
                yield f"{r} {line_p} {_lit(str(edge.line), _INTEGER)} .\n"


_TITLE, _DOC_TYPE, _HEADING = f"<{DCTERMS.title}>", f"<{CG.docType}>", f"<{CG.heading}>"


def _document(s: str, title: str, props: dict[str, Any]) -> Iterator[str]:
    yield f"{s} {_TITLE} {_lit(title)} .\n"
    if props.get("doc_type"):
        yield f"{s} {_DOC_TYPE} {_lit(props['doc_type'])} .\n"
    if props.get("h1") is not None:
        yield f"{s} {_HEADING} {_lit(str(props['h1']))} .\n"
    for name, value in props["fields"].items():
        if name in TEXT_FIELDS:
            yield from _values(s, TEXT_FIELDS[name], value)
        elif name in DATE_FIELDS and value not in (None, ""):
            typed, written = DATE_FIELDS[name]
            pd = parse_date(value)
            if pd.iso is not None:
                yield f"{s} <{typed}> {_lit(pd.iso, str(DATE_TYPES[pd.precision]))} .\n"
            if pd.precision != "day" or pd.iso != pd.text:
                yield f"{s} <{written}> {_lit(pd.text)} .\n"
        elif name not in AS_EDGES:
            yield from _values(s, field_iri(name), value)
    for name, value in props["extra"].items():
        yield from _values(s, field_iri(name), value)


def write_ntriples(model: Model, base: str, out: IO[bytes]) -> int:
    """Write the model as N-Triples; returns the number of triples."""
    n = 0
    batch: list[str] = []
    for line in triples(model, base):
        batch.append(line)
        if len(batch) >= 20_000:
            out.write("".join(batch).encode("utf-8"))
            n += len(batch)
            batch = []
    out.write("".join(batch).encode("utf-8"))
    return n + len(batch)


def to_rdf(model: Model, base: str) -> Graph:
    """The model as an rdflib Graph (parsed from the one N-Triples emitter), prefixes bound."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("kb", Namespace(base))
    g.parse(data="".join(triples(model, base)), format="nt")
    return g
