"""Stage 5: assemble documents and resolved references into typed nodes and edges.

The result (`Model`) is what both the RDF emitter and the networkx emitter read, so the two
graphs always agree.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from . import fields as F
from .authors import parse_authors
from .links import clean_reference, normalise, slugify
from .records import Diagnostic, Document, Edge, Node, Reference, Tweet
from .resolver import Resolver

KIND_PREFIX: dict[str, str] = {
    "Claim": "claim",
    "Source": "source",
    "Entity": "entity",
    "Belief": "belief",
    "Position": "position",
    "Conviction": "conviction",
    "TopicMap": "map",
    "Document": "doc",
}

# Simple value fields -> (node class of the target, edge kind, key prefix).
VALUE_LINKS: list[tuple[str, str, str, str]] = [
    ("domain", "Domain", "in_domain", "domain"),
    ("secondary_domains", "Domain", "secondary_domain", "domain"),
    ("tags", "Tag", "tagged", "tag"),
    ("linked_set", "LinkedSet", "in_linked_set", "linked-set"),
]

BROKEN_SEVERITY: dict[str, str] = {
    "links_to": "error",
    "extracted": "error",
    "enriched": "error",
    "cites_source": "error",
}
"""How serious a reference naming no file is, by relation; others (depends_on, challenged_by,
related: often free-text evidence) are warnings."""

_AGENT_DIR = re.compile(r"^agents/([^/]+)/")


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=5).hexdigest()


@dataclass(slots=True)
class Model:
    """Everything compiled: nodes by key, edges, references, documents and diagnostics."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    doc_keys: dict[str, str] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_seen: int = 0

    _out: dict[str, list[Edge]] | None = None
    _in: dict[str, list[Edge]] | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    """Derived indexes built on first use by readers of the model (never persisted state)."""

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the records only (edges column by column: they load twice as fast); indexes
        are rebuilt on first use."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        edges = self.edges
        state.update(
            _out=None,
            _in=None,
            cache={},
            edges=None,
            edge_columns=tuple([getattr(e, name) for e in edges] for name in Edge.__slots__),
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        columns = state.pop("edge_columns", None)
        for name, value in state.items():
            setattr(self, name, value)
        if columns is not None:
            self.edges = list(map(Edge, *columns))

    def adjacency(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        """Outgoing and incoming edges by node key (built once, on first use)."""
        if self._out is None or self._in is None:
            out: dict[str, list[Edge]] = {}
            inc: dict[str, list[Edge]] = {}
            for e in self.edges:
                out.setdefault(e.src, []).append(e)
                inc.setdefault(e.dst, []).append(e)
            self._out, self._in = out, inc
        return self._out, self._in

    def key_of(self, path: str) -> str | None:
        """Node key of the document compiled from a root-relative path."""
        return self.doc_keys.get(path)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(n.cls for n in self.nodes.values()).items()))


class _Builder:
    def __init__(self, docs: list[Document], resolver: Resolver) -> None:
        self.m = Model()
        self.resolver = resolver
        self.docs = docs
        self.tweeted: set[tuple[str, str]] = set()

    def node(
        self,
        key: str,
        cls: str,
        label: str,
        path: str | None = None,
        line: int | None = None,
        props: dict[str, Any] | None = None,
    ) -> Node:
        n = self.m.nodes.get(key)
        if n is None:
            n = Node(key, cls, label, path, line, props or {})
            self.m.nodes[key] = n
        return n

    def edge(
        self, src: str, dst: str, kind: str, path: str | None, line: int | None = None, props: dict[str, Any] | None = None
    ) -> None:
        self.m.edges.append(Edge(src, dst, kind, path, line, props or {}))

    def doc_key(self, doc: Document) -> str:
        prefix = KIND_PREFIX[doc.kind]
        slug = "/".join(slugify(seg, 200) for seg in doc.path[:-3].split("/"))
        key = f"{prefix}/{slug}"
        if key in self.m.nodes:
            key = f"{key}-{_short_hash(doc.path)}"
        return key

    def run(self) -> Model:
        self._first_pass()
        for doc in self.docs:
            self.document_edges(doc)
        for node in self.m.nodes.values():
            node.props.pop("_rank", None)
        return self.m

    def _first_pass(self) -> None:
        for doc in self.docs:
            key = self.doc_key(doc)
            self.m.doc_keys[doc.path] = key
            self.m.documents[doc.path] = doc
            props: dict[str, Any] = {"fields": doc.fields, "extra": doc.extra, "doc_type": doc.doc_type}
            if doc.h1:
                props["h1"] = doc.h1
            self.node(key, doc.kind, doc.title, doc.path, None, props)

    def document_edges(self, doc: Document) -> None:
        key = self.m.doc_keys[doc.path]
        lines = doc.field_lines
        for fname, cls, kind, prefix in VALUE_LINKS:
            for value in F.as_list(doc.fields.get(fname)):
                if not isinstance(value, (str, int, float)) or not str(value).strip():
                    continue
                text = str(value).strip()
                target = f"{prefix}/{slugify(text)}"
                self.node(target, cls, text, doc.path, lines.get(fname))
                self.edge(key, target, kind, doc.path, lines.get(fname))
        for fname, kind in F.AGENT_FIELDS.items():
            for value in F.as_list(doc.fields.get(fname)):
                if isinstance(value, str) and value.strip():
                    name = value.strip().lstrip("@")
                    target = f"agent/{slugify(name)}"
                    self.node(target, "Agent", name.lower(), doc.path, lines.get(fname))
                    self.edge(key, target, kind, doc.path, lines.get(fname))
        m = _AGENT_DIR.match(doc.path)
        if m:
            target = f"agent/{slugify(m.group(1))}"
            self.node(target, "Agent", m.group(1).lower(), doc.path)
            self.edge(key, target, "about_agent", doc.path)
        if doc.kind == "Source":
            for author in parse_authors(doc.fields.get("author")):
                self.node(author.key, author.cls, author.name, doc.path, lines.get("author"), {"handle": author.handle})
                if author.handle and not self.m.nodes[author.key].props.get("handle"):
                    self.m.nodes[author.key].props["handle"] = author.handle
                self.edge(key, author.key, "authored_by", doc.path, lines.get("author"))
        for tweet in doc.tweets:
            self.add_tweet(doc, key, tweet)
        for ref in doc.refs:
            self.add_reference(doc, key, ref)

    def add_tweet(self, doc: Document, doc_key: str, tweet: Tweet) -> None:
        if tweet.id:
            tkey = f"tweet/{tweet.id}"
        else:
            tkey = f"tweet/{slugify(doc.path[:-3].rsplit('/', 1)[-1], 80)}-{_short_hash(tweet.text or str(tweet.line))}"
        existing = self.m.nodes.get(tkey)
        props = {
            "status_id": tweet.id,
            "url": tweet.url,
            "text": tweet.text,
            "likes": tweet.likes,
            "theme": tweet.theme if doc.kind == "Source" else None,
            "label": tweet.label,
            "handle": tweet.handle,
        }
        rank = (2 if tweet.likes is not None else 1) if doc.kind == "Source" else 0
        label = (tweet.label or tweet.text or tweet.id or "tweet")[:120]
        if existing is None:
            self.node(tkey, "Tweet", label, tweet.path, tweet.line, {**props, "_rank": rank})
        elif rank > existing.props["_rank"]:
            merged = {k: v if v is not None else existing.props.get(k) for k, v in props.items()}
            existing.props.update(merged, _rank=rank)
            existing.path, existing.line, existing.label = tweet.path, tweet.line, label
        else:
            for k, v in props.items():
                if v is not None and existing.props.get(k) is None:
                    existing.props[k] = v
        self.edge(doc_key, tkey, "has_tweet" if doc.kind == "Source" else "cites_tweet", doc.path, tweet.line)
        if tweet.handle:
            akey = f"author/{tweet.handle.lower()}"
            if akey not in self.m.nodes:
                self.node(akey, "Person", f"@{tweet.handle}", doc.path, tweet.line, {"handle": tweet.handle})
            if (tkey, akey) not in self.tweeted:
                self.tweeted.add((tkey, akey))
                self.edge(tkey, akey, "tweeted_by", doc.path, tweet.line)

    def add_reference(self, doc: Document, doc_key: str, ref: Reference) -> None:
        res = self.resolver.resolve(ref.raw, ref.relation, doc.path)
        ref.target, ref.method, ref.score, ref.candidates = res.file, res.method, res.score, res.candidates
        self.m.references.append(ref)
        kind = ref.relation
        meta: dict[str, Any] = {"raw": ref.raw, "method": res.method, "score": round(res.score, 3), "field": ref.field}
        if res.file is not None:
            if res.candidates:
                meta["candidates"] = res.candidates
            target = self.m.doc_keys[res.file]
            if kind == "links_to" and doc.kind == "Entity" and self.m.nodes[target].cls == "Claim":
                kind = "mentions"
            self.edge(doc_key, target, kind, doc.path, ref.line, meta)
            return
        text = clean_reference(ref.raw)
        norm = normalise(text)
        slug = slugify(norm, 100)
        target = f"unresolved/{slug}" + (f"-{_short_hash(norm)}" if len(slugify(norm, 1000)) > 100 else "")
        self.node(target, "UnresolvedReference", text[:200], doc.path, ref.line, {"raw": text})
        self.edge(doc_key, target, kind, doc.path, ref.line, {**meta, "candidates": res.candidates})
        severity = "warning" if res.method == "ambiguous" else BROKEN_SEVERITY.get(ref.relation, "warning")
        what = f"ambiguous between {', '.join(res.candidates)}" if res.method == "ambiguous" else "names no file"
        self.m.diagnostics.append(
            Diagnostic(
                doc.path,
                severity,
                "ambiguous-reference" if res.method == "ambiguous" else "broken-reference",
                f"{ref.field or 'body'} reference {text[:120]!r} {what}",
                ref.line,
            )
        )


def assemble(docs: Iterable[Document], resolver: Resolver | None = None) -> Model:
    """Build the typed node/edge model from parsed documents (sorted by path for stable keys)."""
    ordered = sorted(docs, key=lambda d: d.path)
    return _Builder(ordered, resolver or Resolver(ordered)).run()
