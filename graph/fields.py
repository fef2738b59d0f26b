"""Field tables: document kinds, legacy field names, value shapes and partial dates.

Every choice here is a table so that a new legacy name or kind is one line, not a branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

# `type:` value -> node class. Anything not listed falls back to PATH_KINDS, then "Document".
TYPE_KINDS: dict[str, str] = {
    "claim": "Claim",
    "analysis": "Claim",
    "framework": "Claim",
    "tension": "Claim",
    "insight": "Claim",
    "pattern": "Claim",
    "source": "Source",
    "evidence": "Source",
    "archive": "Source",
    "newsletter": "Source",
    "essay": "Source",
    "news article": "Source",
    "report": "Source",
    "news": "Source",
    "tweet": "Source",
    "thread": "Source",
    "paper": "Source",
    "whitepaper": "Source",
    "entity": "Entity",
    "organization": "Entity",
    "person": "Entity",
    "company": "Entity",
    "belief": "Belief",
    "position": "Position",
    "conviction": "Conviction",
    "topic-map": "TopicMap",
    "moc": "TopicMap",
    "map": "TopicMap",
}

# (path regex, class) tried in order for files whose `type` is missing or unknown.
PATH_KINDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(^|/)_map\.md$"), "TopicMap"),
    (re.compile(r"^maps/"), "TopicMap"),
    (re.compile(r"^inbox/"), "Source"),
    (re.compile(r"^agents/[^/]+/beliefs/"), "Belief"),
    (re.compile(r"^agents/[^/]+/positions/"), "Position"),
    (re.compile(r"^convictions/"), "Conviction"),
    (re.compile(r"^entities/"), "Entity"),
    (re.compile(r"^(domains|core|foundations)/[^/]+/"), "Claim"),
]

# Legacy or variant field name -> canonical name (from schemas/source.md and what files do).
ALIASES: dict[str, str] = {
    "enrichments_applied": "enrichments",
    "date_published": "date",
    "source_date": "date",
    "source_type": "format",
    "source_url": "url",
    "related_to": "related_claims",
    "domains": "domain",
}

# Canonical field -> shape. "list" fields turn a scalar into a one-item list.
SHAPES: dict[str, str] = {
    "type": "text",
    "title": "text",
    "name": "text",
    "description": "text",
    "author": "text",
    "url": "text",
    "format": "text",
    "status": "text",
    "confidence": "text",
    "source": "text",
    "notes": "text",
    "priority": "text",
    "entity_type": "text",
    "linked_set": "list",
    "date": "date",
    "processed_date": "date",
    "created": "date",
    "last_evaluated": "date",
    "updated": "date",
    "last_updated": "date",
    "date_archived": "date",
    "date_accessed": "date",
    "archived_date": "date",
    "revised": "date",
    "domain": "list",
    "secondary_domains": "list",
    "tags": "list",
    "processed_by": "list",
    "tracked_by": "list",
    "agent": "list",
    "archived_by": "list",
    "proposed_by": "list",
    "staked_by": "list",
    "ingested_by": "list",
    "claims_extracted": "list",
    "enrichments": "list",
    "depends_on": "list",
    "challenged_by": "list",
    "challenges": "list",
    "related_claims": "list",
    "sources": "list",
}

# Frontmatter list fields whose items name other documents -> relation of the reference.
REFERENCE_FIELDS: dict[str, str] = {
    "claims_extracted": "extracted",
    "enrichments": "enriched",
    "depends_on": "depends_on",
    "challenged_by": "challenged_by",
    "challenges": "challenges",
    "related_claims": "related",
    "sources": "cites_source",
}

# Fields whose values name agents of the collective.
AGENT_FIELDS: dict[str, str] = {
    "processed_by": "processed_by",
    "tracked_by": "tracked_by",
    "agent": "agent",
    "archived_by": "archived_by",
    "proposed_by": "proposed_by",
    "staked_by": "staked_by",
    "ingested_by": "ingested_by",
}


def kind_of(doc_type: str | None, path: str) -> str:
    """Node class of a document, from its `type` value first, then from where it lives."""
    if doc_type:
        found = TYPE_KINDS.get(doc_type.strip().lower())
        if found:
            return found
    for pattern, kind in PATH_KINDS:
        if pattern.search(path):
            if kind == "Claim" and doc_type:
                return "Document"
            return kind
    return "Document"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as written, with its precision and, where it is valid, an ISO form."""

    text: str
    precision: str  # "day" | "month" | "year" | "invalid"
    iso: str | None

    @property
    def valid(self) -> bool:
        return self.precision != "invalid"


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def parse_date(value: Any) -> PartialDate:
    """Parse `YYYY-MM-DD`, `YYYY-MM-00`, `YYYY-00-00`, `YYYY-MM`, `YYYY`; keep anything else as written."""
    text = str(value).strip()
    m = _DATE.match(text)
    if not m:
        return PartialDate(text, "invalid", None)
    year, month, day = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if not 1 <= month <= 12:
        return PartialDate(
            text, "year" if month == 0 and day == 0 else "invalid", f"{year:04d}" if month == 0 and day == 0 else None
        )
    if day == 0:
        return PartialDate(text, "month", f"{year:04d}-{month:02d}")
    try:
        return PartialDate(text, "day", date(year, month, day).isoformat())
    except ValueError:
        return PartialDate(text, "invalid", None)


def as_list(value: Any) -> list[Any]:
    """A list field's items: a scalar becomes one item, None and empty strings none."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None and v != ""]
    if isinstance(value, str) and not value.strip():
        return []
    return [value]


def normalise(raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Split raw frontmatter into (canonical fields, unknown fields, notes on what was mapped)."""
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in raw.items():
        name = ALIASES.get(key, key)
        if kind == "Source" and key == "source" and isinstance(value, str) and re.match(r"https?://", value.strip()):
            name = "url"
        if name != key:
            notes.append(f"{key} -> {name}")
        shape = SHAPES.get(name)
        if shape is None:
            extra[key] = value
            continue
        if name == "claims_extracted" and isinstance(value, int) and not isinstance(value, bool):
            extra["claims_extracted_count"] = value
            continue
        if shape == "list":
            value = as_list(value)
            if name in fields and isinstance(fields[name], list):
                value = fields[name] + [v for v in value if v not in fields[name]]
        elif name in fields:
            extra[key] = value
            continue
        fields[name] = value
    if kind == "Source" and "date" not in fields and "date_archived" in fields:
        fields["date"] = fields["date_archived"]
        notes.append("date_archived -> date")
    domains = fields.get("domain")
    if isinstance(domains, list) and len(domains) > 1:
        fields["domain"] = domains[:1]
        fields["secondary_domains"] = fields.get("secondary_domains", []) + [
            d for d in domains[1:] if d not in fields.get("secondary_domains", [])
        ]
    return fields, extra, notes
