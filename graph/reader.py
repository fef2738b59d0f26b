"""Stage 1: walk a knowledge-base root and read every Markdown file safely.

Nothing is read from outside the root (symlinks included), hidden folders are skipped, and
every `.md` file either yields a `RawFile` or a `Diagnostic` naming it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadRootError
from .records import Diagnostic

MAX_BYTES = 4 * 1024 * 1024
"""Files larger than this are read up to the limit and flagged as truncated."""

BINARY_SNIFF = 8192
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(slots=True)
class RawFile:
    """One Markdown file's decoded text, with the facts needed to fingerprint it."""

    path: str
    text: str
    size: int
    digest: str


@dataclass(slots=True)
class ScanResult:
    """What the walk found: readable files, diagnostics, and how many `.md` paths were seen."""

    root: Path
    files: list[RawFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_seen: int = 0


def check_root(root: str | os.PathLike[str]) -> Path:
    """Return the resolved root, or raise `BadRootError` with a message a person can act on."""
    path = Path(root)
    if not path.exists():
        raise BadRootError(f"knowledge-base root does not exist: {path}")
    if not path.is_dir():
        raise BadRootError(f"knowledge-base root is not a directory: {path}")
    return path.resolve()


def _nfc(rel: str) -> str:
    return rel if rel.isascii() else unicodedata.normalize("NFC", rel)


def iter_markdown(root: Path) -> list[tuple[str, str]]:
    """All `(relative NFC path, absolute path)` pairs of `.md` entries below root, sorted.

    Symlinked directories are listed with a trailing `/` for the caller to report; they are
    never descended into.
    """
    found: list[tuple[str, str]] = []
    todo = [(str(root), "")]
    while todo:
        folder, rel_folder = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = rel_folder + name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                todo.append((entry.path, rel + "/"))
            elif entry.is_symlink() and os.path.isdir(entry.path):
                found.append((_nfc(rel) + "/", entry.path))
            elif name.lower().endswith(".md"):
                found.append((_nfc(rel), entry.path))
    found.sort()
    return found


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode UTF-8 (BOM stripped, CRLF/CR normalised); return text and a problem, if any."""
    problem = None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"invalid UTF-8 at byte {exc.start}; undecodable bytes replaced with U+FFFD"
        text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problem


def read_one(root: Path, rel: str, full: str, max_bytes: int = MAX_BYTES) -> tuple[RawFile | None, list[Diagnostic]]:
    """Read one file under root, refusing symlinks that leave root or loop."""
    diags: list[Diagnostic] = []
    if rel.endswith("/"):
        target = os.path.realpath(full)
        where = "outside the root" if not _inside(root, target) else "inside the root"
        diags.append(Diagnostic(rel, "warning", "symlinked-directory", f"symlinked directory not followed (target {where})"))
        return None, diags
    try:
        # O_NOFOLLOW saves a stat per file: opening a symlink fails, and only then is it checked
        fd = os.open(full, os.O_RDONLY | _NOFOLLOW) if _NOFOLLOW else -1
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            diags.append(Diagnostic(rel, "error", "unreadable", f"cannot read file: {exc.strerror or exc}"))
            return None, diags
        fd = -1
    if fd < 0:
        try:
            resolved = Path(full).resolve(strict=True)
        except (OSError, RuntimeError):
            diags.append(Diagnostic(rel, "error", "symlink-broken", "symlink is broken or loops; not read"))
            return None, diags
        if not _inside(root, str(resolved)):
            diags.append(Diagnostic(rel, "error", "symlink-outside", "symlink points outside the root; not read"))
            return None, diags
        try:
            fd = os.open(resolved, os.O_RDONLY)
        except OSError as exc:
            diags.append(Diagnostic(rel, "error", "unreadable", f"cannot read file: {exc.strerror or exc}"))
            return None, diags
    try:
        with open(fd, "rb", buffering=0) as fh:
            size = os.fstat(fd).st_size
            # read what the size says (plus a byte, should the file grow): asking for max_bytes
            # would allocate that much for every file
            data = fh.read(min(size, max_bytes) + 1)
            if size < len(data) <= max_bytes:
                data += fh.read(max_bytes + 1 - len(data))
    except OSError as exc:
        diags.append(Diagnostic(rel, "error", "unreadable", f"cannot read file: {exc.strerror or exc}"))
        return None, diags
    if b"\x00" in data[:BINARY_SNIFF]:
        diags.append(Diagnostic(rel, "error", "binary", "binary content (NUL bytes) in a .md file; not compiled"))
        return None, diags
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if len(data) > max_bytes:
        data = data[:max_bytes]
        diags.append(Diagnostic(rel, "warning", "truncated", f"file is {size} bytes; only the first {max_bytes} were compiled"))
    text, problem = decode(data)
    if problem:
        diags.append(Diagnostic(rel, "warning", "encoding", problem))
    return RawFile(rel, text, size, digest), diags


def _inside(root: Path, target: str) -> bool:
    try:
        return os.path.commonpath([str(root), target]) == str(root)
    except ValueError:
        return False


def scan(
    root: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    """Walk and read every Markdown file below root."""
    base = check_root(root)
    result = ScanResult(base)
    entries = iter_markdown(base)
    seen: set[str] = set()
    total = len(entries)
    for i, (rel, full) in enumerate(entries):
        result.files_seen += 1
        raw, diags = read_one(base, rel, full, max_bytes)
        if raw is not None and raw.path in seen:
            original = raw.path
            raw.path = os.path.relpath(full, base).replace(os.sep, "/")  # the raw, un-normalised name
            diags.append(
                Diagnostic(
                    raw.path,
                    "warning",
                    "unicode-collision",
                    f"file name equals {original!r} after Unicode NFC normalisation; kept under its raw name",
                )
            )
        if raw is not None:
            seen.add(raw.path)
            result.files.append(raw)
        result.diagnostics.extend(diags)
        if progress is not None:
            progress(i + 1, total)
    return result
