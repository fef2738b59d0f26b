"""Stage 3: turn one read file into a `Document` with its references and tweets."""

from __future__ import annotations

import re
from typing import Any

from . import fields as F
from . import frontmatter, tweets
from .links import clean_reference, wiki_links
from .reader import RawFile
from .records import Diagnostic, Document, Reference

_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def _item_line(lines: list[str], key_line: int | None, item: str, first_line: int = 2) -> int | None:
    """Best line for a list item of a frontmatter field: the first line after the key holding it."""
    if key_line is None:
        return None
    needle = item[:60]
    for i in range(key_line - first_line, len(lines)):
        if needle and needle in lines[i]:
            return first_line + i
        if i > key_line - first_line and lines[i][:1] not in (" ", "\t", "-", ""):
            break
    return key_line


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def build(raw: RawFile) -> tuple[Document, list[Diagnostic]]:
    """Parse one file into a Document; problems become diagnostics, never exceptions."""
    diags: list[Diagnostic] = []
    parsed = frontmatter.parse(raw.text)
    for severity, code, message, line in parsed.problems:
        diags.append(Diagnostic(raw.path, severity, code, message, line))
    if not raw.text.strip():
        diags.append(Diagnostic(raw.path, "warning", "empty", "empty file; kept as an untitled document"))
    doc_type = parsed.fields.get("type")
    doc_type = str(doc_type).strip() if doc_type is not None else None
    kind = F.kind_of(doc_type, raw.path)
    fields, extra, _notes = F.normalise(parsed.fields, kind)
    h1m = _H1.search(parsed.body)
    h1 = h1m.group(1).strip() if h1m else None
    stem = raw.path.rsplit("/", 1)[-1][:-3]
    title_field = fields.get("title") or fields.get("name")
    title = str(title_field).strip() if title_field else (stem if kind == "Claim" or not h1 else h1)
    doc = Document(
        raw.path, kind, title, doc_type, h1, fields, extra, parsed.body, parsed.body_line, field_lines=parsed.field_lines
    )

    for name in ("date", "processed_date", "created", "last_evaluated", "updated", "last_updated", "date_archived"):
        if name in fields and fields[name] not in (None, ""):
            pd = F.parse_date(fields[name])
            fields[name] = pd.text
            if not pd.valid:
                diags.append(
                    Diagnostic(
                        raw.path,
                        "warning",
                        "bad-date",
                        f"{name} {pd.text!r} is not a date; kept as written",
                        parsed.field_lines.get(name),
                    )
                )

    yaml_lines = parsed.yaml_text.split("\n")
    ref_keys = {k for k in F.REFERENCE_FIELDS if k in fields}
    for name, relation in F.REFERENCE_FIELDS.items():
        key_line = parsed.field_lines.get(name) or parsed.field_lines.get(_alias_of(name, parsed.fields))
        for item in fields.get(name, []):
            if isinstance(item, (dict, list)):
                diags.append(
                    Diagnostic(
                        raw.path,
                        "warning",
                        "bad-reference",
                        f"{name} item is a {type(item).__name__}, not a title; kept as an unknown field",
                        key_line,
                    )
                )
                extra.setdefault(f"{name}_unparsed", []).append(item)
                continue
            text = str(item)
            if not clean_reference(text):
                continue
            doc.refs.append(Reference(text, relation, raw.path, _item_line(yaml_lines, key_line, text), name))
    for key, value in list(fields.items()) + list(extra.items()) if "[[" in parsed.yaml_text else []:
        if key in ref_keys:
            continue
        for s in _strings(value):
            if "[[" in s:
                line = parsed.field_lines.get(key)
                for link in wiki_links(s, 1, skip_code=False):
                    doc.refs.append(Reference(link.raw, "links_to", raw.path, _item_line(yaml_lines, line, link.raw), key))
    for link in wiki_links(parsed.body, parsed.body_line):
        doc.refs.append(Reference(link.raw, "links_to", raw.path, link.line, None))

    single = tweets.from_url(raw.path, fields.get("url"), parsed.field_lines.get("url"), title, parsed.body)
    if single is None and isinstance(fields.get("source"), str):
        single = tweets.from_url(raw.path, fields.get("source"), parsed.field_lines.get("source"), title, parsed.body)
    if single is not None:
        if single.handle is None:
            single.handle = tweets.handle_of(fields.get("author"), None)
        doc.tweets.append(single)
    found = tweets.extract(raw.path, parsed.body, parsed.body_line, fields, kind=kind)
    have = {t.id for t in doc.tweets}
    doc.tweets.extend(t for t in found if t.id is None or t.id not in have)
    return doc, diags


def _alias_of(name: str, raw_fields: dict[str, Any]) -> str:
    for old, new in F.ALIASES.items():
        if new == name and old in raw_fields:
            return old
    return name
