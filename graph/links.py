"""Wiki-link and reference-text parsing: `[[target#heading|alias]]`, annotations, slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_WIKI = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
_FENCE = re.compile(r"^[^\S\n]*(?:```|~~~).*$", re.M)
"""A fence line: it opens or closes a code block, whichever fence it uses."""


@dataclass(frozen=True, slots=True)
class WikiLink:
    """One `[[...]]` occurrence: its target text, heading, alias and 1-based line."""

    raw: str
    target: str
    heading: str | None
    alias: str | None
    line: int


def split_link(inner: str) -> tuple[str, str | None, str | None]:
    """Split the inside of `[[...]]` into (target, heading, alias); `\\|` counts as `|`."""
    inner = inner.replace("\\|", "|")
    alias = None
    if "|" in inner:
        inner, alias = inner.split("|", 1)
        alias = alias.strip() or None
    heading = None
    if "#" in inner:
        inner, heading = inner.split("#", 1)
        heading = heading.strip() or None
    return inner.strip(), heading, alias


def _fenced(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks, fence lines included; an unclosed fence runs to the end."""
    ranges: list[tuple[int, int]] = []
    start = None
    for m in _FENCE.finditer(text):
        if start is None:
            start = m.start()
        else:
            ranges.append((start, m.end()))
            start = None
    if start is not None:
        ranges.append((start, len(text)))
    return ranges


def wiki_links(text: str, first_line: int = 1, *, skip_code: bool = True) -> Iterator[WikiLink]:
    """Every wiki link in text, outside fenced code blocks, with its line number."""
    if "[[" not in text:
        return
    fences = _fenced(text) if skip_code and ("```" in text or "~~~" in text) else []
    fence_i, line, pos = 0, first_line, 0
    for m in _WIKI.finditer(text):
        at = m.start()
        while fence_i < len(fences) and fences[fence_i][1] <= at:
            fence_i += 1
        if fence_i < len(fences) and fences[fence_i][0] <= at:
            continue
        line += text.count("\n", pos, at)
        pos = at
        target, heading, alias = split_link(m.group(1))
        if target or heading:
            yield WikiLink(m.group(0), target, heading, alias, line)


_ANNOTATION = re.compile(r"\s*[—–]\s*|\s+--?\s+")
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"[\s_]+")


def clean_reference(text: str) -> str:
    """A reference's target text: wiki brackets, alias, heading, quotes and `.md` removed."""
    t = text.strip()
    m = _WIKI.search(t)
    if m:
        t, _, _ = split_link(m.group(1))
    t = t.strip().strip("\"'`“”‘’").strip()
    if t.lower().endswith(".md"):
        t = t[:-3]
    return t.strip()


def annotation_head(text: str) -> str | None:
    """The part of `title — annotation` before the dash, if the text has such a dash."""
    parts = _ANNOTATION.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip():
        return parts[0].strip()
    return None


@lru_cache(maxsize=1 << 18)
def normalise(text: str) -> str:
    """Case-, Unicode-, punctuation- and slug-insensitive form used as a lookup key."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = t.replace("-", " ").replace("’", "").replace("'", "")
    t = _PUNCT.sub(" ", t)
    return _SPACE.sub(" ", t).strip()


_NON_WORD = re.compile(r"[^\w]+", re.ASCII)


@lru_cache(maxsize=1 << 18)
def slugify(text: str, max_len: int = 120) -> str:
    """A readable IRI segment: lower-case ASCII-ish words joined by hyphens."""
    if text.isascii():
        t = text.lower()
    else:
        t = unicodedata.normalize("NFKD", text)
        t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = _NON_WORD.sub("-", t).strip("-")
    return t[:max_len].rstrip("-") or "x"
