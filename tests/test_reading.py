"""Parsing that loses nothing: every odd file ends up in the graph or in a diagnostic."""

from __future__ import annotations

import os
import unicodedata

import pytest

from graph.compiler import compile_kb
from graph.errors import BadRootError

from .conftest import claim, write_kb


def diags_for(kb, path):
    return [d for d in kb.model.diagnostics if d.path == path]


def accounted(kb, seen_paths):
    in_graph = set(kb.model.documents)
    diag = {d.path for d in kb.model.diagnostics}
    return {p for p in seen_paths if p not in in_graph and p not in diag}


def test_odd_files_are_all_accounted_for(make_kb):
    files = {
        "empty.md": "",
        "fm-only.md": "---\ntype: claim\ndomain: x\n---\n",
        "no-fm.md": "# Just a heading\n\nBody text.\n",
        "unclosed.md": "---\ntype: claim\ntitle: never closed\n\nbody\n",
        "list.md": "---\n- a\n- b\n---\nbody\n",
        "scalar.md": "---\njust a string\n---\nbody\n",
        "syntax.md": "---\ntitle: ok\nbad: [unclosed\ndomain: energy\n---\nbody\n",
        "baddate.md": "---\ntype: source\ndate: 2026-13-45\n---\n",
        "partial.md": "---\ntype: source\ndate: 2026-02-00\n---\n",
        "bom-crlf.md": b"\xef\xbb\xbf---\r\ntype: claim\r\ndomain: energy\r\n---\r\n\r\nline [[empty]]\r\n",
        "invalid-utf8.md": b"---\ntitle: caf\xe9\n---\nbody \xff\xfe\n",
        "binary.md": b"\x00\x01\x02PNG\x00data",
        "dup/a/same title.md": claim("same title"),
        "dup/b/same title.md": claim("same title"),
    }
    kb = make_kb(files)
    assert kb.model.files_seen == len(files)
    assert accounted(kb, files) == set()
    assert "binary.md" not in kb.model.documents
    assert [d.code for d in diags_for(kb, "binary.md")] == ["binary"]
    assert {d.code for d in diags_for(kb, "unclosed.md")} == {"frontmatter-unclosed"}
    assert {d.code for d in diags_for(kb, "list.md")} == {"frontmatter-not-mapping"}
    assert kb.model.documents["list.md"].extra["frontmatter"] == ["a", "b"]
    assert kb.model.documents["scalar.md"].extra["frontmatter"] == "just a string"
    syntax = diags_for(kb, "syntax.md")
    assert syntax[0].code == "yaml-syntax" and syntax[0].line is not None
    # salvaged line by line: the good fields survive the bad one
    assert kb.model.documents["syntax.md"].fields["title"] == "ok"
    assert kb.model.documents["syntax.md"].fields["domain"] == ["energy"]
    assert [d.code for d in diags_for(kb, "baddate.md")] == ["bad-date"]
    assert kb.model.documents["baddate.md"].fields["date"] == "2026-13-45"
    assert kb.model.documents["partial.md"].fields["date"] == "2026-02-00"
    assert diags_for(kb, "partial.md") == []
    assert {d.code for d in diags_for(kb, "empty.md")} == {"empty"}
    bom = kb.model.documents["bom-crlf.md"]
    assert bom.kind == "Claim" and bom.fields["domain"] == ["energy"] and "\r" not in bom.body
    assert bom.refs[0].line == 6
    bad = kb.model.documents["invalid-utf8.md"]
    assert bad.title == "caf\ufffd"
    assert [d.code for d in diags_for(kb, "invalid-utf8.md")] == ["encoding"]


def test_huge_file_is_truncated_not_dropped(tmp_path):
    from graph import reader

    root = write_kb(tmp_path, {"big.md": "---\ntitle: big\n---\n" + "word " * 5000})
    result = reader.scan(root, max_bytes=1000)
    assert [f.path for f in result.files] == ["big.md"]
    assert len(result.files[0].text) == 1000
    assert [d.code for d in result.diagnostics] == ["truncated"]


def test_yaml_is_safe_and_bounded(make_kb):
    bomb = (
        "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=False)
        )
        + "title: bomb\n---\n"
    )
    files = {
        "python-tag.md": "---\ntitle: !!python/object/apply:os.system ['echo hacked']\n---\n",
        "bomb.md": bomb,
        "recursive.md": "---\na: &a [*a]\ntitle: loop\n---\n",
    }
    kb = make_kb(files)
    assert {d.code for d in diags_for(kb, "python-tag.md")} == {"yaml-syntax"}
    assert {d.code for d in diags_for(kb, "bomb.md")} == {"yaml-too-large"}
    assert kb.model.documents["bomb.md"].fields["title"] == "bomb"
    assert kb.model.documents["recursive.md"].fields["title"] == "loop"
    assert accounted(kb, files) == set()


def test_unicode_file_names_nfc_and_nfd(make_kb):
    nfc = unicodedata.normalize("NFC", "café claim.md")
    nfd = unicodedata.normalize("NFD", "résumé claim.md")
    kb = make_kb(
        {
            f"domains/x/{nfc}": claim("café claim"),
            f"domains/x/{nfd}": claim("résumé claim"),
            "domains/x/links.md": claim("links", "[[café claim]] and [[résumé claim]]"),
        }
    )
    assert f"domains/x/{nfc}" in kb.model.documents
    assert unicodedata.normalize("NFC", f"domains/x/{nfd}") in kb.model.documents
    targets = {r.target for r in kb.model.documents["domains/x/links.md"].refs}
    assert targets == {f"domains/x/{nfc}", unicodedata.normalize("NFC", f"domains/x/{nfd}")}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlinks_never_leave_the_root(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: secret\n---\n")
    root = write_kb(tmp_path / "kb", {"real.md": claim("real")})
    os.symlink(outside, root / "escape.md")
    os.symlink(root / "loop-a.md", root / "loop-b.md")
    os.symlink(root / "loop-b.md", root / "loop-a.md")
    os.symlink(tmp_path, root / "dirlink")
    os.symlink(root / "real.md", root / "inside.md")
    kb = compile_kb(root)
    codes = {d.path: d.code for d in kb.model.diagnostics}
    assert codes["escape.md"] == "symlink-outside"
    assert codes["loop-a.md"] == "symlink-broken" and codes["loop-b.md"] == "symlink-broken"
    assert codes["dirlink/"] == "symlinked-directory"
    assert "escape.md" not in kb.model.documents
    assert all("secret" not in d.title for d in kb.model.documents.values())
    assert "inside.md" in kb.model.documents  # a link that stays inside is read


def test_hidden_folders_are_skipped(make_kb):
    kb = make_kb({".git/x.md": "x", ".obsidian/y.md": "y", "z.md": "# z"})
    assert kb.model.files_seen == 1 and list(kb.model.documents) == ["z.md"]


def test_bad_root_is_a_clear_error(tmp_path):
    with pytest.raises(BadRootError, match="does not exist"):
        compile_kb(tmp_path / "missing")
    (tmp_path / "file.md").write_text("x")
    with pytest.raises(BadRootError, match="not a directory"):
        compile_kb(tmp_path / "file.md")
