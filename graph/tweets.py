"""Tweet extraction: status ids anywhere in a document, and quoted bullets of X archives."""

from __future__ import annotations

import re
from typing import Any

from .records import Tweet

_STATUS = re.compile(r"(?:https?://(?:www\.)?(?:x|twitter)\.com/(\w{1,30})/)?status/(\d{5,25})")
_PROFILE = re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/(\w{1,30})/?$")
_HANDLE = re.compile(r"@(\w{1,30})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_LABEL = re.compile(r"^\*\*(.+?)\*\*\s*[:—–-]?\s*")
_LIKES = re.compile(r"([\d][\d,.]*)\s*([kKmM])?\s+likes?\b")
_QUOTE = re.compile(r"[\"“](.+)[\"”]")
_QUOTED_START = re.compile(r"^\s*(?:>\s*)?[\"“]")


def parse_likes(text: str) -> int | None:
    """`1,261 likes` -> 1261; `5.7K likes` -> 5700."""
    m = _LIKES.search(text)
    if not m:
        return None
    number = m.group(1).replace(",", "")
    try:
        value = float(number)
    except ValueError:
        return None
    scale = {"k": 1_000, "m": 1_000_000}.get((m.group(2) or "").lower(), 1)
    return int(round(value * scale))


def handle_of(author: Any, url: Any) -> str | None:
    """The X handle of a source's author, from `Name (@handle)` or an x.com profile URL."""
    if isinstance(author, str):
        m = _HANDLE.search(author)
        if m:
            return m.group(1)
    if isinstance(url, str):
        m = _PROFILE.match(url.strip()) or _STATUS.search(url)
        if m and m.group(1):
            return m.group(1)
    return None


def is_x_archive(path: str, fields: dict[str, Any]) -> bool:
    """An X archive lists many tweets: named so, or a tweet-format source whose url is a profile."""
    if "x-archive" in path.rsplit("/", 1)[-1].lower():
        return True
    url = fields.get("url")
    return fields.get("format") in ("tweet", "thread") and isinstance(url, str) and bool(_PROFILE.match(url.strip()))


def _text_of(content: str) -> str:
    m = _QUOTE.search(content)
    if m:
        return m.group(1).strip()
    content = _STATUS.sub("", content)
    content = re.sub(r"\(\s*,?\s*[\d,.]+\s*[kKmM]?\s+likes?\s*\)", "", content)
    return re.sub(r"\s+", " ", content).strip(" -*:()[]")


def extract(path: str, body: str, body_line: int, fields: dict[str, Any], *, kind: str) -> list[Tweet]:
    """All tweets a document names, each with its line, theme heading and text."""
    tweets: list[Tweet] = []
    seen: set[str] = set()
    archive = kind == "Source" and is_x_archive(path, fields)
    if not archive and "status/" not in body:
        return tweets
    owner = handle_of(fields.get("author"), fields.get("url")) if kind == "Source" else None
    theme: str | None = None
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        h = _HEADING.match(line)
        if h:
            theme = h.group(2).strip() or theme
            continue
        bullet = _BULLET.match(line)
        content = bullet.group(1) if bullet else line
        label = None
        lm = _LABEL.match(content)
        if lm:
            label = lm.group(1).strip()
            rest = content[lm.end() :]
        else:
            rest = content
        ids = _STATUS.findall(line)
        if ids:
            for handle, tid in ids:
                if tid in seen:
                    continue
                seen.add(tid)
                who = handle or owner
                url = f"https://x.com/{who}/status/{tid}" if who else f"https://x.com/i/status/{tid}"
                tweets.append(
                    Tweet(
                        tid,
                        _text_of(rest) or None,
                        path,
                        body_line + offset,
                        url=url,
                        likes=parse_likes(line),
                        theme=theme,
                        label=label,
                        handle=who,
                    )
                )
            continue
        if archive and bullet and _QUOTED_START.match(rest):
            text = _text_of(rest)
            if text:
                tweets.append(
                    Tweet(None, text, path, body_line + offset, likes=parse_likes(line), theme=theme, label=label, handle=owner)
                )
    return tweets


def from_url(path: str, url: Any, line: int | None, title: str, body: str) -> Tweet | None:
    """A single-tweet source carries the status URL in `url`: that tweet, with its quoted text."""
    if not isinstance(url, str):
        return None
    m = _STATUS.search(url)
    if not m:
        return None
    quote = next((ln.lstrip("> ").strip() for ln in body.split("\n") if ln.startswith(">") and ln.strip("> ").strip()), None)
    handle = m.group(1)
    return Tweet(
        m.group(2),
        quote or title,
        path,
        line or 1,
        url=f"https://x.com/{handle}/status/{m.group(2)}" if handle else f"https://x.com/i/status/{m.group(2)}",
        handle=handle,
    )
