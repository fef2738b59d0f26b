"""Stage 4: resolve a reference's text to the one file it means, or to nothing.

Tries, in order: exact title / file name / H1 / path; normalised forms (case, Unicode,
punctuation, slug vs prose); the head of `title — annotation`; the file name of a moved path;
a unique prefix for truncated slugs; and fuzzy matching only above a threshold with a clear
winner. Several candidates at any step is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .links import annotation_head, clean_reference, normalise
from .records import Document

PREFER: dict[str, frozenset[str]] = {
    "cites_source": frozenset({"Source"}),
}
"""Relation -> node classes preferred when several files share a name; default: claims."""

DEFAULT_PREFER = frozenset({"Claim"})
FUZZY_THRESHOLD = 90.0
FUZZY_MARGIN = 4.0
MIN_PREFIX = 24
MIN_FUZZY = 20
LENGTH_BUCKET = 16


@dataclass(slots=True)
class Resolution:
    """Where a reference leads: `file` is a root-relative path or None."""

    ref: str
    file: str | None
    method: str
    score: float
    candidates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "file": self.file,
            "method": self.method,
            "score": round(self.score, 3),
            "candidates": self.candidates,
        }


def names_of(doc: Document) -> set[str]:
    """Every name a document answers to as written: title, file name, path, H1, title/name fields."""
    stem = doc.path.rsplit("/", 1)[-1][:-3]
    names = {doc.title, stem, doc.path, doc.path[:-3]}
    if doc.h1:
        names.add(doc.h1)
    for key in ("title", "name"):
        value = doc.fields.get(key)
        if isinstance(value, str):
            names.add(value.strip())
    return {n for n in names if n}


def _segments(path: str) -> list[str]:
    return [normalise(seg) for seg in path[:-3].split("/")]


def _suffixes(segments: list[str]) -> list[str]:
    return ["/".join(segments[i:]) for i in range(len(segments) - 1)]


class Reach:
    """What changing some documents could change in resolution: each stage of `_candidates`
    asked of their names (old and new). An answer is kept only if no stage could now answer
    differently: no candidate changed, no exact, normalised, path-suffix or base name matches a
    changed name, no changed name starts with the text (prefix), and none shares a word with it
    (fuzzy).

    Past `MAX_REACH` names the check would cost more than resolving again, so it touches all.
    """

    MAX_REACH = 2000

    def __init__(self, docs: Iterable[Document], paths: set[str]) -> None:
        self.paths = paths
        self.names: set[str] = set()
        self.suffixes: set[str] = set()
        self.basenames: set[str] = set()
        for doc in docs:
            self.names |= names_of(doc)
            segments = _segments(doc.path)
            self.basenames.add(segments[-1])
            self.suffixes.update(_suffixes(segments))
        self.norms = {n for n in map(normalise, self.names) if n}
        self.tokens = {token for n in self.norms for token in n.split()}
        self.everything = len(self.norms) > self.MAX_REACH

    def touches(self, ref: str, candidates: Iterable[str]) -> bool:
        if self.everything or any(c in self.paths for c in candidates):
            return True
        text = clean_reference(ref)
        if not text:
            return False
        head = annotation_head(text)
        for form in (text, clean_reference(head) if head else None):
            if form and (form in self.names or normalise(form) in self.norms):
                return True
            if form and "/" in form and "/".join(normalise(seg) for seg in form.strip("/").split("/")) in self.suffixes:
                return True
        if "/" in text and normalise(text.rsplit("/", 1)[-1]) in self.basenames:
            return True
        n = normalise(text.rstrip(".…").rstrip())
        if len(n) >= MIN_PREFIX and any(key.startswith(n) for key in self.norms):
            return True
        # fuzzy pools are made of keys sharing the query's rarest words, and which words are
        # rarest depends on the keys holding them: a changed key sharing no word cannot matter
        return len(n) >= MIN_FUZZY and not self.tokens.isdisjoint(n.split())


class Resolver:
    """An index of every document's names, answering `resolve(text)`."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.kinds: dict[str, str] = {}
        self.domains: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.norm: dict[str, set[str]] = {}
        self.basename: dict[str, set[str]] = {}
        self.suffixes: dict[str, set[str]] = {}
        for doc in documents:
            self.add(doc)
        self._sorted: list[str] | None = None
        self._tokens: dict[tuple[str, int], set[str]] | None = None
        self._cache: dict[str, tuple[str, float, list[str]]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickle the indexes; the prefix and fuzzy indexes are rebuilt on first use."""
        return {**self.__dict__, "_sorted": None, "_tokens": None}

    def add(self, doc: Document) -> None:
        """Index one document under all its names."""
        self.kinds[doc.path] = doc.kind
        domains = doc.fields.get("domain")
        if isinstance(domains, list) and domains and isinstance(domains[0], str):
            self.domains[doc.path] = domains[0]
        for name in names_of(doc):
            self.exact.setdefault(name, set()).add(doc.path)
            n = normalise(name)
            if n:
                self.norm.setdefault(n, set()).add(doc.path)
        segments = _segments(doc.path)
        self.basename.setdefault(segments[-1], set()).add(doc.path)
        for suffix in _suffixes(segments):
            self.suffixes.setdefault(suffix, set()).add(doc.path)
        self._sorted = None
        self._tokens = None

    def carry(self, old: Resolver, changed: Iterable[Document], changed_paths: set[str]) -> int:
        """Take over the old resolver's answers that the changed documents (old and new versions)
        cannot have altered; returns how many. See `Reach` for what "cannot" means."""
        reach = Reach(changed, changed_paths)
        kept = 0
        for text, hit in old._cache.items():
            if not reach.touches(text, hit[2]):
                self._cache[text] = hit
                kept += 1
        return kept

    def _lookup(self, text: str) -> tuple[str, float, list[str]] | None:
        found = self.exact.get(text)
        if found:
            return "exact", 1.0, sorted(found)
        if "/" in text:
            tail = "/".join(normalise(seg) for seg in text.strip("/").split("/"))
            suffix = self.suffixes.get(tail)
            if suffix:
                return "path-suffix", 0.97, sorted(suffix)
        found = self.norm.get(normalise(text))
        if found:
            return "normalized", 0.98, sorted(found)
        return None

    def resolve(self, ref: str, relation: str = "links_to", from_path: str | None = None) -> Resolution:
        """Resolve one reference as written, from the file `from_path` if known.

        When several files match equally, context may break the tie, each rule only when it
        leaves exactly one candidate: the preferred node class for the relation, then the
        referring file's folder, then the referring file's domain. Otherwise: ambiguous.
        """
        hit = self._cache.get(ref)
        if hit is None:
            hit = self._candidates(ref)
            self._cache[ref] = hit
        method, score, cands = hit
        if method == "unresolved" or len(cands) == 1:
            return Resolution(
                ref, cands[0] if method != "unresolved" else None, method, score, [] if method != "unresolved" else list(cands)
            )
        prefer = PREFER.get(relation, DEFAULT_PREFER)
        folder = from_path.rsplit("/", 1)[0] if from_path and "/" in from_path else None
        domain = self.domains.get(from_path) if from_path else None
        rules: list[tuple[str, Callable[[str], bool]]] = [
            ("kind", lambda c: self.kinds.get(c) in prefer),
            ("same-folder", lambda c: folder is not None and c.rsplit("/", 1)[0] == folder),
            ("same-domain", lambda c: domain is not None and self.domains.get(c) == domain),
        ]
        pool = list(cands)
        for name, rule in rules:
            kept = [c for c in pool if rule(c)]
            if len(kept) == 1:
                return Resolution(ref, kept[0], f"{method}+{name}", score, list(cands))
            if kept:
                pool = kept
        return Resolution(ref, None, "ambiguous", score, list(cands))

    def _candidates(self, ref: str) -> tuple[str, float, list[str]]:
        """(method, score, candidate files) before context; one candidate means resolved."""
        text = clean_reference(ref)
        if not text:
            return "unresolved", 0.0, []
        found = self._lookup(text)
        if found:
            return found
        head = annotation_head(text)
        if head:
            found = self._lookup(clean_reference(head))
            if found:
                return "annotation", min(found[1], 0.95), found[2]
        if "/" in text:
            hits = self.basename.get(normalise(text.rsplit("/", 1)[-1]))
            if hits:
                return "moved-path", 0.95, sorted(hits)
        n = normalise(text.rstrip(".…").rstrip())
        if len(n) >= MIN_PREFIX:
            keys = self._prefix_keys(n)
            if keys:
                longest = max(len(k) for k in keys)
                return "prefix", len(n) / max(longest, 1), sorted({p for k in keys for p in self.norm[k]})
        if len(n) >= MIN_FUZZY:
            return self._fuzzy(n)
        return "unresolved", 0.0, []

    def _prefix_keys(self, n: str) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.norm)
        keys = self._sorted
        i = bisect.bisect_left(keys, n)
        out = []
        while i < len(keys) and keys[i].startswith(n):
            out.append(keys[i])
            i += 1
        return out

    def _fuzzy_pool(self, n: str) -> list[str]:
        """Keys that could score above the cutoff: of a length the cutoff allows, sharing two of
        the query's four rarest words.

        A ratio of 86+ means nearly all words are shared, so this blocking loses no match worth
        taking. The length bound is exact (the indel distance is at least the length difference),
        and it keeps pools small as the knowledge base grows, where common word pairs do not.
        """
        if self._tokens is None:
            index: dict[tuple[str, int], set[str]] = {}
            for key in self.norm:
                bucket = len(key) // LENGTH_BUCKET
                for token in key.split():
                    index.setdefault((token, bucket), set()).add(key)
            self._tokens = index
        tokens = self._tokens
        cut = (FUZZY_THRESHOLD - FUZZY_MARGIN) / 100
        low, high = len(n) * cut / (2 - cut), len(n) * (2 - cut) / cut
        buckets = range(int(low) // LENGTH_BUCKET, int(high) // LENGTH_BUCKET + 1)
        empty: set[str] = set()
        sized = []
        for w in set(n.split()):
            per_bucket = [tokens.get((w, b), empty) for b in buckets]
            total = sum(map(len, per_bucket))
            if total:
                sized.append((total, w, per_bucket))
        rarest = [per_bucket for _, _, per_bucket in sorted(sized)[:4]]
        out: set[str] = set()
        if len(rarest) == 1:
            out = out.union(*rarest[0])
        # keys in at least two of the rarest words' postings, bucket by bucket: each
        # intersection costs its smaller side
        for i, a in enumerate(rarest):
            for b in rarest[i + 1 :]:
                for x, y in zip(a, b, strict=True):
                    if x and y:
                        out |= x & y
        return sorted(k for k in out if low <= len(k) <= high)

    def _fuzzy(self, n: str) -> tuple[str, float, list[str]]:
        from rapidfuzz import fuzz, process

        matches = process.extract(n, self._fuzzy_pool(n), scorer=fuzz.ratio, limit=8, score_cutoff=FUZZY_THRESHOLD - FUZZY_MARGIN)
        best: dict[str, float] = {}
        for key, score, _ in matches:
            for path in self.norm[key]:
                best[path] = max(best.get(path, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
            return "unresolved", ranked[0][1] / 100 if ranked else 0.0, [p for p, _ in ranked[:3]]
        top = ranked[0][1]
        return "fuzzy", top / 100, sorted(p for p, s in ranked if top - s < FUZZY_MARGIN)
