"""Tweets: status ids with likes and themes, quoted bullets of X archives, single-tweet sources."""

from __future__ import annotations

from graph.tweets import parse_likes

ARCHIVE = """\
---
type: source
title: "@ana X archive"
author: "Ana F (@ana)"
url: https://x.com/ana
date: 2026-03-05
domain: grid
format: tweet
status: processed
---

# @ana archive

## Key Tweets by Theme

### Prices

- **Negative** (status/1000000000000000001, 2,410 likes): "Seven days of negative prices."
- **Chart** (status/1000000000000000002, 1.2K likes): "Price floor keeps falling."

### Replies

- "Publish the maps."
- A paraphrase that is not a quote.
"""

SINGLE = """\
---
type: source
title: "A single tweet"
author: "Ana F (@ana)"
url: https://x.com/ana/status/1000000000000000001
date: 2026-03-02
domain: grid
format: tweet
status: processed
---

> Seven days of negative prices.
"""


def test_archive_and_single_tweet(make_kb):
    kb = make_kb(
        {
            "inbox/archive/ana-x-archive.md": ARCHIVE,
            "inbox/archive/single.md": SINGLE,
            "domains/grid/claim.md": "---\ntype: claim\n---\nAs tweeted (x.com/ana/status/1000000000000000002).\n",
        }
    )
    tweets = {n.key: n for n in kb.model.nodes.values() if n.cls == "Tweet"}
    t1 = tweets["tweet/1000000000000000001"]
    assert t1.props["likes"] == 2410 and t1.props["theme"] == "Prices"
    assert t1.props["text"] == "Seven days of negative prices."
    assert t1.props["url"] == "https://x.com/ana/status/1000000000000000001"
    assert t1.path == "inbox/archive/ana-x-archive.md" and t1.line == 18
    assert tweets["tweet/1000000000000000002"].props["likes"] == 1200
    quoted = [t for t in tweets.values() if t.props["status_id"] is None]
    assert [t.props["text"] for t in quoted] == ["Publish the maps."]
    assert quoted[0].props["theme"] == "Replies"
    # the single-tweet source and the archive share one tweet node
    has = sorted((e.src, e.dst) for e in kb.model.edges if e.kind == "has_tweet" and e.dst == t1.key)
    assert has == [("source/inbox/archive/ana-x-archive", t1.key), ("source/inbox/archive/single", t1.key)]
    by = {(e.src, e.dst) for e in kb.model.edges if e.kind == "tweeted_by"}
    assert (t1.key, "author/ana") in by
    cites = [e for e in kb.model.edges if e.kind == "cites_tweet"]
    assert [(e.src, e.dst) for e in cites] == [("claim/domains/grid/claim", "tweet/1000000000000000002")]
    author = kb.model.nodes["author/ana"]
    assert author.cls == "Person" and author.props["handle"] == "ana" and author.label == "Ana F"


def test_parse_likes():
    assert parse_likes("(status/1, 1,261 likes)") == 1261
    assert parse_likes("5.7K likes") == 5700
    assert parse_likes("1 like") == 1
    assert parse_likes("no numbers here") is None
