"""Make a larger corpus from a real one: N copies, each copy's titles and references renamed.

Copy k > 0 prefixes every file name, `title`/`name`, H1 and reference with `rk `, so links
resolve within the copy exactly as they do in the original (a truncated slug stays a prefix,
an annotation keeps its head, a broken link stays broken).

Usage: python bench/replicate.py SRC DST --copies N
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from pathlib import Path

import yaml

REF_FIELDS = (
    "claims_extracted",
    "enrichments",
    "enrichments_applied",
    "depends_on",
    "challenged_by",
    "challenges",
    "related_claims",
    "related_to",
    "sources",
)
_WIKI = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
_H1 = re.compile(r"^# (.+)$", re.M)
_FM = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*\n", re.S)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoDates(_Loader):  # type: ignore[misc,valid-type]
    pass


_NoDates.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in _Loader.yaml_implicit_resolvers.items()
}


def rename(text: str, prefix: str) -> str:
    """Prefix the file-name part of a reference: `a/b.md` -> `a/rk b.md`, `x|y` keeps `|y`."""
    head, sep, tail = text.partition("|")
    head2, sep2, tail2 = head.partition("#")
    directory, slash, base = head2.rpartition("/")
    lead = len(base) - len(base.lstrip(" \"'"))
    base = base[:lead] + prefix + base[lead:]
    return directory + slash + base + sep2 + tail2 + sep + tail


def _ref_item(item: object, prefix: str) -> object:
    if not isinstance(item, str) or not item.strip():
        return item
    if "[[" in item:
        return _WIKI.sub(lambda m: "[[" + rename(m.group(1), prefix) + "]]", item)
    return rename(item, prefix)


def transform(text: str, prefix: str) -> str:
    """One file's text as it appears in a renamed copy."""
    body, fm_text = text, None
    m = _FM.match(text)
    if m:
        fm_text, body = m.group(1), text[m.end() :]
    if fm_text is not None:
        try:
            data = yaml.load(fm_text, Loader=_NoDates)
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict):
            for key in ("title", "name"):
                if isinstance(data.get(key), str):
                    data[key] = prefix + data[key]
            for key in REF_FIELDS:
                value = data.get(key)
                if isinstance(value, list):
                    data[key] = [_ref_item(v, prefix) for v in value]
                elif isinstance(value, str):
                    data[key] = _ref_item(value, prefix)
            fm_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)
        else:
            fm_text = _WIKI.sub(lambda m: "[[" + rename(m.group(1), prefix) + "]]", fm_text)
    body = _WIKI.sub(lambda m: "[[" + rename(m.group(1), prefix) + "]]", body)
    body = _H1.sub(lambda m: "# " + prefix + m.group(1), body, count=1)
    return (f"---\n{fm_text}---\n" if fm_text is not None else "") + body


def _with_title(text: str, title: str) -> str:
    m = _FM.match(text)
    if not m:
        return f"---\ntitle: {yaml.safe_dump(title, width=10**6).strip()}\n---\n" + text
    data = yaml.load(m.group(1), Loader=_NoDates)
    if not isinstance(data, dict) or "title" in data:
        return text
    data = {"title": title, **data}
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6) + "---\n" + text[m.end() :]


def replicate(src: Path, dst: Path, copies: int) -> int:
    """Write `copies` renamed copies of every Markdown file of src below dst; returns files written."""
    if dst.exists():
        shutil.rmtree(dst)
    written = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, src)
        out_dir = dst / rel
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if not name.endswith(".md"):
                continue
            text = (Path(dirpath) / name).read_text(encoding="utf-8", errors="replace")
            for k in range(copies):
                prefix = f"r{k} " if k else ""
                out_name, copy = prefix + name, transform(text, prefix) if k else text
                if len(out_name.encode()) > 255:
                    # too long for the file system: shorten the name, keep the full title in frontmatter
                    stem = name[:-3].encode()[: 255 - 3 - len(prefix.encode())].decode(errors="ignore")
                    out_name = prefix + stem + ".md"
                    copy = _with_title(copy, prefix + name[:-3])
                (out_dir / out_name).write_text(copy, encoding="utf-8")
                written += 1
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--copies", type=int, default=10)
    args = ap.parse_args()
    n = replicate(Path(args.src), Path(args.dst), args.copies)
    print(f"wrote {n} files to {args.dst}")


if __name__ == "__main__":
    main()
