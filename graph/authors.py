"""Author strings -> people and organisations with X handles, merged across sources."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .links import slugify

_HANDLE_IN = re.compile(r"\(?\s*@(\w{1,30})\s*\)?")
_ORG_WORDS = frozenset(
    """
inc llc ltd corp corporation company co labs lab research institute university foundation dao
protocol capital ventures partners project initiative association group network news times journal
press post magazine media studios studio finance fund funds markets exchange bank commission
agency department office council committee center centre society team report reports blog
podcast daily weekly review analytics collective consortium alliance coalition
""".split()
)
_DOMAIN_NAME = re.compile(r"^[\w-]+\.(io|com|org|net|xyz|fm|ai|co|gg|finance|market|cash|fun)$", re.I)


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """One author named by a source: display name, X handle if given, person or organisation."""

    name: str
    handle: str | None
    cls: str  # "Person" | "Organization"

    @property
    def key(self) -> str:
        return "author/" + (self.handle.lower() if self.handle else slugify(self.name))


def classify(name: str, handle: str | None) -> str:
    """Person or Organization, from the shape of the name (table-driven heuristics)."""
    words = {w.lower().strip(".,()") for w in name.split()}
    if words & _ORG_WORDS or _DOMAIN_NAME.match(name.strip()) or re.search(r"\([A-Z]{2,}\)", name):
        return "Organization"
    caps = [w for w in name.split() if w[:1].isupper()]
    if 2 <= len(name.split()) <= 4 and len(caps) == len(name.split()):
        return "Person"
    if handle and not name.strip():
        return "Person"
    return "Organization" if name.isupper() and len(name) > 1 else "Person"


def parse_authors(value: object) -> list[AuthorRef]:
    """`"Simon Willison (@simonw)"`, `"@karpathy"`, `"A; B"`, a list of those -> AuthorRefs."""
    items: list[str] = []
    if isinstance(value, str):
        items = [p for p in re.split(r"\s*;\s*", value) if p.strip()]
    elif isinstance(value, list):
        items = [str(v) for v in value if isinstance(v, (str, int)) and str(v).strip()]
    out: list[AuthorRef] = []
    for item in items:
        m = _HANDLE_IN.search(item)
        handle = m.group(1) if m else None
        name = (_HANDLE_IN.sub(" ", item) if m else item).strip(" ,-—")
        name = re.sub(r"\s+", " ", name) or (handle or item.strip())
        out.append(AuthorRef(name, handle, classify(name, handle)))
    return out
