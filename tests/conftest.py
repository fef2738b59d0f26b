"""Shared helpers: tiny knowledge bases written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from graph.compiler import KnowledgeBase, compile_kb

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT.parent / "shared" / "corpus" / "teleo-codex"


def write_kb(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (text is dedented) under root and return root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture(autouse=True, scope="session")
def _store_home(tmp_path_factory: pytest.TempPathFactory):
    """Stores written by commands under test go to a temporary folder, not ~/.cache."""
    import os

    os.environ["CODEX_GRAPH_STORE_HOME"] = str(tmp_path_factory.mktemp("stores"))
    yield


@pytest.fixture
def make_kb(tmp_path: Path):
    """make_kb({path: content}) -> compiled KnowledgeBase of a tiny knowledge base."""

    def make(files: dict[str, str | bytes], **kwargs) -> KnowledgeBase:
        return compile_kb(write_kb(tmp_path / "kb", files), **kwargs)

    return make


CLAIM = """\
---
type: claim
domain: {domain}
description: "{title} described"
confidence: likely
source: "test"
created: 2026-01-01
---

# {title}

{body}
"""


def claim(title: str, body: str = "", domain: str = "energy") -> str:
    return CLAIM.format(title=title, body=body, domain=domain)
