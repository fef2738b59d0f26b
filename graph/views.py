"""Answers for agents: find a node by any name, its neighbours, a claim's supporting sources
and related claims, filtered listings. Each answer explains itself and stays small."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from .compiler import KnowledgeBase
from .errors import NotFoundError, UsageError
from .links import slugify
from .records import Edge, Node


class AmbiguousError(UsageError):
    """A reference that names several nodes equally well."""

    http_status = 409
    code = "ambiguous_reference"


# node class -> key prefix for names that are not documents (tweet ids, handles, tags...)
VALUE_PREFIX: dict[str, str] = {
    "Tweet": "tweet",
    "Author": "author",
    "Tag": "tag",
    "Domain": "domain",
    "LinkedSet": "linked-set",
    "Agent": "agent",
}
CLASS_GROUPS: dict[str, frozenset[str]] = {"Author": frozenset({"Person", "Organization"})}

# why a source supports a claim -> weight in the ranking
SUPPORT_WEIGHTS: dict[str, float] = {
    "extracted_from": 1.0,
    "depends_on": 0.9,
    "enriched_by": 0.8,
    "cites_tweet_of_source": 0.7,
    "cited_in_claim": 0.6,
    "named_in_source_field": 0.4,
}
# claim-claim relation kind -> weight in the related-claims score
RELATED_WEIGHTS: dict[str, float] = {
    "depends_on": 2.0,
    "depended_on_by": 1.6,
    "challenged_by": 2.0,
    "challenges": 2.0,
    "links_to": 1.5,
    "linked_from": 1.2,
    "related": 1.5,
    "shared_source": 0.6,
    "shared_linked_set": 0.3,
    "shared_tag": 0.1,
    "same_domain": 0.2,
}
# most a kind can add to one claim's score, so shared context never outweighs a direct link
RELATED_CAPS: dict[str, float] = {"shared_source": 1.2, "shared_linked_set": 0.3, "shared_tag": 0.3}
_OUT_KINDS = {
    "links_to": "links_to",
    "mentions": "links_to",
    "depends_on": "depends_on",
    "challenged_by": "challenged_by",
    "challenges": "challenges",
    "related": "related",
}
_IN_KINDS = {
    "links_to": "linked_from",
    "mentions": "linked_from",
    "depends_on": "depended_on_by",
    "challenged_by": "challenges",
    "challenges": "challenged_by",
    "related": "related",
}
_WORD = re.compile(r"[a-z0-9]{4,}")
_STOP = frozenset(
    "that this with from have more than when which their because there they into will would about these "
    "what were been does over only also most much such other just like make makes".split()
)


def _classes(cls: str | None) -> frozenset[str] | None:
    if cls is None:
        return None
    return CLASS_GROUPS.get(cls, frozenset({cls}))


def summary(kb: KnowledgeBase, node: Node) -> dict[str, Any]:
    """The few fields that identify a node in any answer."""
    out: dict[str, Any] = {"id": node.key, "class": node.cls, "label": node.label}
    if node.path:
        out["path"] = node.path
    if node.line:
        out["line"] = node.line
    return out


def find(kb: KnowledgeBase, ref: str, cls: str | None = None) -> Node:
    """The node a reference names: id, IRI, file path, value name or any resolvable reference."""
    nodes = kb.model.nodes
    want = _classes(cls)
    ref = ref.strip()
    if not ref:
        raise UsageError("empty reference")

    def ok(node: Node | None) -> bool:
        return node is not None and (want is None or node.cls in want)

    candidates = [ref, ref[len(kb.base) :] if ref.startswith(kb.base) else None]
    prefix = VALUE_PREFIX.get(cls or "")
    if prefix:
        candidates += [f"{prefix}/{ref.lstrip('@').lower()}", f"{prefix}/{slugify(ref.lstrip('@'))}"]
    for key in candidates:
        if key and ok(nodes.get(key)):
            return nodes[key]
    if prefix is None:
        for path in (ref, ref + ".md"):
            key = kb.model.key_of(path)
            if key and ok(nodes.get(key)):
                return nodes[key]
        res = kb.resolver.resolve(ref, "cites_source" if cls == "Source" else "links_to")
        if res.file:
            node = nodes[kb.model.doc_keys[res.file]]
            if ok(node):
                return node
        elif res.method == "ambiguous":
            raise AmbiguousError(f"{ref!r} names several files", detail={"candidates": res.candidates})
    raise NotFoundError(f"no {cls or 'node'} named {ref!r}", detail={"suggestions": suggest(kb, ref, cls)})


def suggest(kb: KnowledgeBase, ref: str, cls: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """Near matches by label, for 404 answers."""
    from rapidfuzz import fuzz, process

    want = _classes(cls)
    pool = [n for n in kb.model.nodes.values() if want is None or n.cls in want]
    labels = [n.label for n in pool]
    hits = process.extract(
        ref.lower(), labels, scorer=fuzz.token_set_ratio, processor=str.lower, limit=limit * 4, score_cutoff=60
    )
    ranked = sorted(hits, key=lambda h: (-h[1], -fuzz.ratio(ref.lower(), h[0].lower()), h[2]))[:limit]
    return [{**summary(kb, pool[i]), "score": round(score / 100, 2)} for _, score, i in ranked]


def _edge_view(kb: KnowledgeBase, e: Edge, other: str) -> dict[str, Any]:
    view = summary(kb, kb.model.nodes[other])
    view["via"] = {"kind": e.kind, "path": e.path, "line": e.line}
    if e.props.get("raw"):
        view["via"].update(raw=e.props["raw"], method=e.props.get("method"))
    return view


def detail(kb: KnowledgeBase, node: Node, limit: int = 50) -> dict[str, Any]:
    """A node with its fields and its neighbours, grouped by edge kind and capped per kind."""
    out_edges, in_edges = kb.model.adjacency()
    view = summary(kb, node)
    view["iri"] = kb.iri(node.key)
    props = {k: v for k, v in node.props.items() if k not in ("fields", "extra") and v is not None}
    if "fields" in node.props:
        view["fields"] = node.props["fields"]
        if node.props.get("extra"):
            view["extra_fields"] = node.props["extra"]
    if props:
        view["properties"] = props
    for direction, edges, end in (("out", out_edges.get(node.key, []), "dst"), ("in", in_edges.get(node.key, []), "src")):
        groups: dict[str, list[dict[str, Any]]] = {}
        counts: dict[str, int] = {}
        for e in edges:
            counts[e.kind] = counts.get(e.kind, 0) + 1
            if counts[e.kind] <= limit:
                groups.setdefault(e.kind, []).append(_edge_view(kb, e, getattr(e, end)))
        view[direction] = {k: {"count": counts[k], "items": v} for k, v in sorted(groups.items())}
    return view


def _source_card(kb: KnowledgeBase, node: Node) -> dict[str, Any]:
    fields = node.props.get("fields", {})
    out_edges, _ = kb.model.adjacency()
    authors = []
    for e in out_edges.get(node.key, []):
        if e.kind == "authored_by":
            a = kb.model.nodes[e.dst]
            authors.append({"id": a.key, "name": a.label, "handle": a.props.get("handle")})
    return {
        **summary(kb, node),
        "authors": authors,
        "date": fields.get("date"),
        "format": fields.get("format"),
        "url": fields.get("url"),
        "status": fields.get("status"),
    }


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _tweet_words(kb: KnowledgeBase, tweet: Node) -> set[str]:
    """The words of a tweet's text and label, kept with the model once computed."""
    memo: dict[str, set[str]] = kb.model.cache.setdefault("tweet_words", {})
    words = memo.get(tweet.key)
    if words is None:
        words = memo[tweet.key] = _words(f"{tweet.props.get('text') or ''} {tweet.props.get('label') or ''}")
    return words


def _claim_words(claim: Node) -> set[str]:
    fields = claim.props.get("fields", {})
    return _words(f"{claim.label} {fields.get('description') or ''}")


def _tweets_for(kb: KnowledgeBase, source: str, claim_words: set[str], cited: set[str], limit: int = 5) -> list[dict[str, Any]]:
    out_edges, _ = kb.model.adjacency()
    ranked = []
    for e in out_edges.get(source, []):
        if e.kind != "has_tweet":
            continue
        t = kb.model.nodes[e.dst]
        shared = sorted(claim_words & _tweet_words(kb, t))
        likes = t.props.get("likes") or 0
        if t.key not in cited and len(shared) < 2:
            continue
        why = (["cited by the claim"] if t.key in cited else []) + ([f"shares words: {', '.join(shared[:6])}"] if shared else [])
        score = (10.0 if t.key in cited else 0.0) + len(shared) + math.log10(1 + likes) / 2
        ranked.append((score, t, why))
    ranked.sort(key=lambda x: (-x[0], x[1].key))
    return [
        {
            "id": t.key,
            "status_id": t.props.get("status_id"),
            "url": t.props.get("url"),
            "text": t.props.get("text"),
            "likes": t.props.get("likes"),
            "theme": t.props.get("theme"),
            "line": t.line,
            "why": why,
            "score": round(s, 2),
        }
        for s, t, why in ranked[:limit]
    ]


def claim_sources(kb: KnowledgeBase, claim: Node, limit: int = 20) -> dict[str, Any]:
    """The sources that support a claim, each with why, the tweets that bear on it, ranked."""
    nodes = kb.model.nodes
    out_edges, in_edges = kb.model.adjacency()
    reasons: dict[str, list[dict[str, Any]]] = {}

    def add(source: str, why: str, e: Edge, **extra: Any) -> None:
        item = {"why": why, "path": e.path, "line": e.line, **extra}
        if e.props.get("raw"):
            item.update(raw=e.props["raw"], method=e.props.get("method"))
        reasons.setdefault(source, []).append(item)

    for e in in_edges.get(claim.key, []):
        if nodes[e.src].cls == "Source" and e.kind in ("extracted", "enriched"):
            add(e.src, "extracted_from" if e.kind == "extracted" else "enriched_by", e)
    cited_tweets: set[str] = set()
    for e in out_edges.get(claim.key, []):
        target = nodes[e.dst]
        if target.cls == "Source" and e.kind in ("depends_on", "links_to", "cites_source"):
            add(e.dst, "depends_on" if e.kind == "depends_on" else "cited_in_claim", e)
        elif target.cls == "Tweet" and e.kind == "cites_tweet":
            cited_tweets.add(e.dst)
            for te in in_edges.get(e.dst, []):
                if te.kind == "has_tweet":
                    add(te.src, "cites_tweet_of_source", e, tweet=e.dst)
    named = claim.props.get("fields", {}).get("source")
    if isinstance(named, str) and named.strip():
        for src, why_text in _named_sources(kb, named):
            reasons.setdefault(src, []).append({"why": "named_in_source_field", "matched": why_text, "field": "source"})
    results = []
    claim_words = _claim_words(claim)
    for src, why in reasons.items():
        kinds = sorted({w["why"] for w in why})
        score = sum(SUPPORT_WEIGHTS[k] for k in kinds)
        card = _source_card(kb, nodes[src])
        results.append({**card, "score": round(score, 2), "why": why, "tweets": _tweets_for(kb, src, claim_words, cited_tweets)})
    results.sort(key=lambda r: (-r["score"], str(r.get("date") or ""), r["id"]))
    return {"claim": summary(kb, claim), "count": len(results), "sources": results[:limit]}


_HANDLE = re.compile(r"@(\w{1,30})")


def _source_names(kb: KnowledgeBase) -> tuple[dict[str, list[tuple[int, str, str, str]]], dict[str, list[tuple[str, str]]]]:
    """(long source titles by their first four characters, sources by author handle), built once
    per compiled model."""
    cached = kb.model.cache.get("source_names")
    if cached is None:
        out_edges, _ = kb.model.adjacency()
        titles: dict[str, list[tuple[int, str, str, str]]] = {}
        handles: dict[str, list[tuple[str, str]]] = {}
        order = 0
        for node in kb.model.nodes.values():
            if node.cls != "Source":
                continue
            if len(node.label) >= 16:
                low = node.label.lower()
                titles.setdefault(low[:4], []).append((order, low, node.key, node.label))
                order += 1
            for e in out_edges.get(node.key, []):
                handle = kb.model.nodes[e.dst].props.get("handle") if e.kind == "authored_by" else None
                if handle:
                    handles.setdefault(handle.lower(), []).append((node.key, handle))
        cached = kb.model.cache["source_names"] = (titles, handles)
    return cached


def _named_sources(kb: KnowledgeBase, text: str) -> Iterable[tuple[str, str]]:
    """Sources whose title or author handle appears in a claim's `source` text.

    Titles are found by their first four characters at each position of the text, so the cost
    follows the text's length, not the number of sources.
    """
    low = text.lower()
    titles, handles = _source_names(kb)
    found: dict[str, tuple[int, str]] = {}
    for pos in range(len(low) - 3):
        for order, title, key, label in titles.get(low[pos : pos + 4], ()):
            if key not in found and low.startswith(title, pos):
                found[key] = (order, label)
    seen: set[str] = set()
    for key, (_order, label) in sorted(found.items(), key=lambda kv: kv[1][0]):
        seen.add(key)
        yield key, f"title {label!r}"
    for handle in dict.fromkeys(h.lower() for h in _HANDLE.findall(text)):
        for key, written in handles.get(handle, []):
            if key not in seen:
                seen.add(key)
                yield key, f"author handle @{written}"


def related_claims(kb: KnowledgeBase, claim: Node, limit: int = 20, kinds: Iterable[str] | None = None) -> dict[str, Any]:
    """Claims related to a claim, scored by explained contributions of each relation kind."""
    wanted = set(kinds) if kinds else set(RELATED_WEIGHTS)
    unknown = wanted - set(RELATED_WEIGHTS)
    if unknown:
        raise UsageError(f"unknown relation kind(s): {', '.join(sorted(unknown))}; choose from {', '.join(RELATED_WEIGHTS)}")
    nodes = kb.model.nodes
    out_edges, in_edges = kb.model.adjacency()
    found: dict[str, list[dict[str, Any]]] = {}

    def add(other: str, kind: str, **detail: Any) -> None:
        if other != claim.key and kind in wanted and nodes[other].cls == "Claim":
            found.setdefault(other, []).append({"kind": kind, "weight": RELATED_WEIGHTS[kind], **detail})

    for e in out_edges.get(claim.key, []):
        if e.kind in _OUT_KINDS:
            add(e.dst, _OUT_KINDS[e.kind], line=e.line)
    for e in in_edges.get(claim.key, []):
        if e.kind in _IN_KINDS:
            add(e.src, _IN_KINDS[e.kind], path=e.path, line=e.line)
    sources = [e.src for e in in_edges.get(claim.key, []) if e.kind in ("extracted", "enriched")]
    tags: set[str] = set()
    sets: set[str] = set()
    for src in dict.fromkeys(sources):
        for e in out_edges.get(src, []):
            if e.kind in ("extracted", "enriched"):
                add(e.dst, "shared_source", source=src)
            elif e.kind == "tagged":
                tags.add(e.dst)
            elif e.kind == "in_linked_set":
                sets.add(e.dst)
    for e in out_edges.get(claim.key, []):
        if e.kind == "tagged":
            tags.add(e.dst)
    for group, kind in ((tags, "shared_tag"), (sets, "shared_linked_set")):
        for value in sorted(group):
            for e in in_edges.get(value, []):
                if nodes[e.src].cls == "Source":
                    for e2 in out_edges.get(e.src, []):
                        if e2.kind in ("extracted", "enriched"):
                            add(e2.dst, kind, via=value)
                elif nodes[e.src].cls == "Claim":
                    add(e.src, kind, via=value)
    domains = [e.dst for e in out_edges.get(claim.key, []) if e.kind == "in_domain"]
    for d in domains:
        for e in in_edges.get(d, []):
            if e.kind == "in_domain":
                add(e.src, "same_domain", via=d)
    results = []
    for other, contributions in found.items():
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for c in contributions:
            merged.setdefault((c["kind"], str(c.get("source") or c.get("via") or "")), c)
        parts = list(merged.values())
        by_kind: dict[str, float] = {}
        for c in parts:
            by_kind[c["kind"]] = by_kind.get(c["kind"], 0.0) + c["weight"]
        score = sum(min(total, RELATED_CAPS.get(kind, total)) for kind, total in by_kind.items())
        results.append(
            {**summary(kb, nodes[other]), "score": round(score, 2), "kinds": sorted({c["kind"] for c in parts}), "because": parts}
        )
    results.sort(key=lambda r: (-r["score"], r["id"]))
    return {"claim": summary(kb, claim), "count": len(results), "related": results[:limit]}


# listing filters: name -> (field, how to compare)
LIST_FILTERS: dict[str, tuple[str, str]] = {
    "domain": ("domain", "in"),
    "confidence": ("confidence", "eq"),
    "status": ("status", "eq"),
    "format": ("format", "eq"),
    "tag": ("tags", "edge:tagged:tag"),
    "linked_set": ("linked_set", "edge:in_linked_set:linked-set"),
    "author": ("author", "edge:authored_by:author"),
    "date_from": ("date", "ge"),
    "date_to": ("date", "le"),
}


def list_nodes(kb: KnowledgeBase, cls: str, filters: dict[str, str | None], offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """Documents of a class, filtered and paginated, ordered by date (newest first) then id."""
    if limit < 1 or limit > 500 or offset < 0:
        raise UsageError("limit must be 1..500 and offset >= 0")
    out_edges, _ = kb.model.adjacency()
    active = {k: v for k, v in filters.items() if v not in (None, "")}
    items = []
    for node in kb.model.nodes.values():
        if node.cls != cls:
            continue
        fields = node.props.get("fields", {})
        keep = True
        for name, value in active.items():
            field, how = LIST_FILTERS[name]
            have = fields.get(field)
            if how == "in":
                keep = value in (have or [])
            elif how == "eq":
                keep = have == value
            elif how == "ge":
                keep = have is not None and str(have) >= str(value)
            elif how == "le":
                keep = have is not None and str(have) <= str(value)
            else:
                _, kind, prefix = how.split(":")
                targets = {e.dst for e in out_edges.get(node.key, []) if e.kind == kind}
                keep = (
                    f"{prefix}/{slugify(str(value).lstrip('@'))}" in targets
                    or f"{prefix}/{str(value).lstrip('@').lower()}" in targets
                )
            if not keep:
                break
        if keep:
            items.append(node)
    items.sort(
        key=lambda n: (str(n.props.get("fields", {}).get("date") or n.props.get("fields", {}).get("created") or ""), n.key),
        reverse=True,
    )
    page = items[offset : offset + limit]
    cards = [_source_card(kb, n) if cls == "Source" else {**summary(kb, n), **_claim_fields(n)} for n in page]
    return {"total": len(items), "offset": offset, "limit": limit, "items": cards}


def _claim_fields(node: Node) -> dict[str, Any]:
    f = node.props.get("fields", {})
    return {
        "domain": (f.get("domain") or [None])[0],
        "confidence": f.get("confidence"),
        "description": f.get("description"),
        "created": f.get("created"),
    }
