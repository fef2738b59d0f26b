"""Stage 6a: emit the compiled model as RDF (rdflib), using the vocabulary in `ontology/`.

Classes, edge kinds and fields map to terms through the tables below; fields no table knows
are kept under the field namespace (`cgf:`), so nothing written in frontmatter is lost.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

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


def _literal(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(value, datatype=XSD.double)
    if isinstance(value, (dict, list)):
        return Literal(json.dumps(value, ensure_ascii=False, sort_keys=True), datatype=RDF.JSON)
    return Literal(str(value))


def _add_value(g: Graph, s: URIRef, p: URIRef, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        for v in value:
            if v is not None and v != "":
                g.add((s, p, _literal(v)))
        return
    g.add((s, p, _literal(value)))


def field_iri(name: str) -> URIRef:
    """The predicate that keeps an unknown frontmatter field."""
    return CGF[_FIELD_NAME.sub("_", name) or "_"]


def to_rdf(model: Model, base: str) -> Graph:
    """One rdflib Graph holding every node, edge and reference of the model."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("kb", Namespace(base))
    add = g.add
    for node in model.nodes.values():
        s = URIRef(base + node.key)
        add((s, RDF.type, CG[node.cls]))
        add((s, RDFS.label, Literal(node.label)))
        if node.path is not None:
            add((s, CG.sourcePath, Literal(node.path)))
        if node.line is not None:
            add((s, CG.line, Literal(node.line, datatype=XSD.integer)))
        if "fields" in node.props:
            _document(g, s, node.label, node.props)
        for name, (pred, dtype) in NODE_PROPS.items():
            value = node.props.get(name)
            if value is not None and "fields" not in node.props:
                add((s, pred, Literal(value, datatype=dtype) if dtype else Literal(str(value))))
            elif name == "h1" and value is not None:
                add((s, pred, Literal(str(value))))
    counters: dict[str, int] = {}
    for edge in model.edges:
        s, o = URIRef(base + edge.src), URIRef(base + edge.dst)
        pred = EDGE_PREDICATES[edge.kind]
        add((s, pred, o))
        if "raw" in edge.props:
            n = counters.get(edge.src, 0) + 1
            counters[edge.src] = n
            r = URIRef(f"{base}{edge.src}/ref/{n}")
            add((r, RDF.type, CG.Reference))
            add((r, CG.referrer, s))
            add((r, CG.relation, pred))
            add((r, CG.target, o))
            add((r, CG.rawText, Literal(edge.props["raw"])))
            add((r, CG.resolution, Literal(edge.props["method"])))
            add((r, CG.score, Literal(edge.props["score"], datatype=XSD.decimal)))
            if edge.props.get("field"):
                add((r, CG.field, Literal(edge.props["field"])))
            if edge.line is not None:
                add((r, CG.line, Literal(edge.line, datatype=XSD.integer)))
    return g


def _document(g: Graph, s: URIRef, title: str, props: dict[str, Any]) -> None:
    g.add((s, DCTERMS.title, Literal(title)))
    if props.get("doc_type"):
        g.add((s, CG.docType, Literal(props["doc_type"])))
    fields: dict[str, Any] = props["fields"]
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            _add_value(g, s, TEXT_FIELDS[name], value)
        elif name in DATE_FIELDS and value not in (None, ""):
            typed, written = DATE_FIELDS[name]
            pd = parse_date(value)
            if pd.iso is not None:
                g.add((s, typed, Literal(pd.iso, datatype=DATE_TYPES[pd.precision])))
            if pd.precision != "day" or pd.iso != pd.text:
                g.add((s, written, Literal(pd.text)))
        elif name not in AS_EDGES:
            _add_value(g, s, field_iri(name), value)
    for name, value in props["extra"].items():
        _add_value(g, s, field_iri(name), value)
