"""Full-text search over titles, descriptions, bodies and tweets: an SQLite FTS5 index."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from typing import Any

from .compiler import KnowledgeBase
from .errors import UsageError


def _rows(kb: KnowledgeBase) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for node in kb.model.nodes.values():
        if "fields" in node.props:
            doc = kb.model.documents.get(node.path or "")
            desc = node.props["fields"].get("description")
            rows.append((node.key, node.cls, node.label, desc if isinstance(desc, str) else "", doc.body if doc else ""))
        elif node.cls == "Tweet" and node.props.get("text"):
            rows.append((node.key, node.cls, node.props.get("label") or "", "", node.props["text"]))
    return rows


_TOKEN = re.compile(r"\w+", re.UNICODE)
# column weights for bm25: title, description, body
WEIGHTS = (10.0, 4.0, 1.0)


def stored_bodies(kb: KnowledgeBase) -> dict[str, str]:
    """Document bodies by node key, as kept in the search index persisted beside the store."""
    db = sqlite3.connect(f"file:{kb.oxigraph_dir}.search.sqlite?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT key, body FROM docs WHERE cls != 'Tweet'").fetchall())
    finally:
        db.close()


class SearchIndex:
    """An FTS5 index of one compiled knowledge base (read-only after build).

    A knowledge base loaded from a store keeps its index in the store, beside the pyoxigraph
    directory it belongs to, so server processes open it instead of rebuilding it.
    """

    def __init__(self, kb: KnowledgeBase, *, lazy: bool = False) -> None:
        self.kb = kb
        self.lock = threading.Lock()
        self._opening = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if not lazy:
            self.open()

    @property
    def db(self) -> sqlite3.Connection:
        return self._db if self._db is not None else self.open()

    def open(self) -> sqlite3.Connection:
        """Open the persisted index, or build it (once, whoever asks first)."""
        with self._opening:
            if self._db is None:
                self._db = self._connect()
            return self._db

    def _connect(self) -> sqlite3.Connection:
        kb = self.kb
        path = f"{kb.oxigraph_dir}.search.sqlite" if kb.oxigraph_dir is not None else None
        if path is not None and os.path.exists(path):
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        tmp = f"{path}.{os.getpid()}.tmp" if path is not None else ":memory:"
        db = sqlite3.connect(tmp, check_same_thread=False)
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, cls UNINDEXED, title, description, body, "
            "tokenize='porter unicode61')"
        )
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", _rows(kb))
        db.commit()
        if path is None:
            return db
        db.close()
        os.replace(tmp, path)
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def search(self, q: str, limit: int = 20, cls: str | None = None) -> dict[str, Any]:
        """Ranked matches with snippets; all words must match, else any word."""
        words = _TOKEN.findall(q)
        if not words:
            raise UsageError("search needs at least one word")
        if not 1 <= limit <= 100:
            raise UsageError("limit must be 1..100")
        for mode in (" ", " OR "):
            expr = mode.join(f'"{w}"' for w in words[:32])
            hits = self._run(expr, limit, cls)
            if hits or mode == " OR ":
                return {"query": q, "match": "all" if mode == " " else "any", "count": len(hits), "results": hits}
        return {"query": q, "match": "any", "count": 0, "results": []}

    def _run(self, expr: str, limit: int, cls: str | None) -> list[dict[str, Any]]:
        sql = (
            "SELECT key, cls, bm25(docs, 0, 0, ?, ?, ?) AS rank, "
            "snippet(docs, -1, '[', ']', '…', 12) FROM docs WHERE docs MATCH ?"
        )
        params: list[Any] = [*WEIGHTS, expr]
        if cls:
            sql += " AND cls = ?"
            params.append(cls)
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        db = self.db
        with self.lock:
            rows = db.execute(sql, params).fetchall()
        out = []
        for key, node_cls, rank, snippet in rows:
            node = self.kb.model.nodes[key]
            out.append(
                {
                    "id": key,
                    "class": node_cls,
                    "label": node.label,
                    "path": node.path,
                    "line": node.line,
                    "score": round(-rank, 3),
                    "snippet": snippet,
                }
            )
        return out
