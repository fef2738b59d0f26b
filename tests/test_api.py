"""The JSON API and the SPARQL endpoint, in process (httpx ASGI transport)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest

from api.app import Settings, create_app
from graph.compiler import compile_kb

NEG = "negative midday prices are a market signal for storage rather than a failure of solar"
DUCK = "the duck curve deepens every spring as rooftop solar grows faster than evening demand"
CG = "PREFIX cg: <https://codex-graph.dev/ontology#> "


@pytest.fixture(scope="module")
def sample():
    return compile_kb()


async def _with_client(kb, settings, fn):
    app = create_app(kb, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await fn(client, app)


def call(kb, fn, **settings):
    return asyncio.run(_with_client(kb, Settings(**({"workers": 1} | settings)), fn))


def get_all(kb, *urls, **settings):
    async def fn(c, _):
        return [await c.get(u) for u in urls]

    return call(kb, fn, **settings)


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]


def test_claim_sources_explain_themselves(sample):
    (r,) = get_all(sample, f"/claims/{quote(NEG)}/sources")
    body = r.json()
    assert body["claim"]["path"] == f"domains/grid-policy/{NEG}.md"
    first = body["sources"][0]
    assert first["id"] == "source/inbox/archive/2026-03-05-gridwatch-x-archive"
    assert first["authors"] == [{"id": "author/gridwatch_ana", "name": "Ana Ferreira", "handle": "gridwatch_ana"}]
    assert (first["date"], first["format"], first["url"]) == ("2026-03-05", "tweet", "https://x.com/gridwatch_ana")
    whys = {w["why"] for w in first["why"]}
    assert "extracted_from" in whys
    extracted = next(w for w in first["why"] if w["why"] == "extracted_from")
    assert extracted["path"] == "inbox/archive/2026-03-05-gridwatch-x-archive.md" and extracted["line"] == 14
    tweets = first["tweets"]
    assert tweets[0]["status_id"] == "1891000000000000101" and tweets[0]["likes"] == 2410
    assert tweets[0]["why"] and all(t["score"] <= tweets[0]["score"] for t in tweets)


def test_claim_sources_by_enrichment_single_tweet_and_legacy(sample):
    async def fn(c, _):
        duck = await c.get("/claims/domains/grid-policy/" + quote(DUCK) + ".md/sources")
        deg = await c.get("/claims/battery-degradation-is-driven-more-by-depth-of-discharge/sources")
        return duck, deg

    duck, deg = call(sample, fn)
    by_id = {s["id"]: s for s in duck.json()["sources"]}
    single = by_id["source/inbox/archive/2026-03-02-gridwatch-ana-duck-curve-record"]
    assert [w["why"] for w in single["why"]] == ["enriched_by", "named_in_source_field"]
    assert single["why"][1]["matched"] == "author handle @gridwatch_ana"
    assert single["tweets"][0]["status_id"] == "1899000000000000001"
    legacy = deg.json()["sources"][0]
    assert legacy["id"] == "source/inbox/archive/2025-11-12-okafor-hourly-matching"
    why = legacy["why"][0]
    assert why["why"] == "extracted_from" and why["method"] == "prefix"
    assert legacy["url"] == "https://example.org/papers/hourly-matching" and legacy["format"] == "paper"


def test_related_claims_scored_and_filtered(sample):
    async def fn(c, _):
        return [
            await c.get(f"/claims/{quote(NEG)}/related?limit=3"),
            await c.get(f"/claims/{quote(NEG)}/related?kinds=links_to,linked_from"),
            await c.get(f"/claims/{quote(NEG)}/related?kinds=telepathy"),
            await c.get(f"/claims/{quote(NEG)}/related?limit=0"),
        ]

    top, links, bad, zero = call(sample, fn)
    related = top.json()["related"]
    assert len(related) == 3 and related[0]["score"] >= related[1]["score"] >= related[2]["score"]
    assert related[0]["label"].startswith("co-locating batteries")
    assert {"links_to", "linked_from", "shared_source"} <= set(related[0]["kinds"])
    assert all(b["weight"] > 0 for b in related[0]["because"])
    kinds = {k for r in links.json()["related"] for k in r["kinds"]}
    assert kinds <= {"links_to", "linked_from"} and kinds
    assert_error(bad, 400, "bad_request")
    assert_error(zero, 422, "invalid_parameter")


def test_nodes_by_any_name(sample):
    urls = [
        "/claims/claim/domains/grid-policy/negative-midday-prices-are-a-market-signal-for-storage-rather-than-a-failure-of-solar",
        "/claims/" + quote(f"domains/grid-policy/{NEG}.md", safe=""),
        "/claims/" + quote(NEG.upper()),
        "/sources/2026-02-00-kilowatt-letter-february",
        "/tweets/1899000000000000001",
        "/authors/@gridwatch_ana",
        "/tags/duck-curve",
        "/domains/grid-policy",
        "/linked-sets/storage-economics-2026",
        "/agents/volta",
        "/nodes/tag/solar",
    ]
    responses = get_all(sample, *urls)
    for url, r in zip(urls, responses, strict=True):
        assert r.status_code == 200, (url, r.text)
    claims = [r.json()["id"] for r in responses[:3]]
    assert len(set(claims)) == 1
    letter = responses[3].json()
    assert letter["fields"]["date"] == "2026-02-00" and "authored_by" in letter["out"]
    tweet = responses[4].json()
    assert tweet["properties"]["likes"] == 5730
    assert tweet["in"]["has_tweet"]["count"] == 2
    volta = responses[9].json()
    assert volta["in"]["processed_by"]["count"] >= 5


def test_not_found_and_ambiguous(sample):
    missing, ambiguous, wrong_class = get_all(
        sample, "/claims/negative midday prices are a signal", "/claims/" + quote(DUCK), "/tweets/12345"
    )
    assert_error(missing, 404, "not_found")
    assert missing.json()["error"]["detail"]["suggestions"][0]["label"] == NEG
    assert_error(ambiguous, 409, "ambiguous_reference")
    assert len(ambiguous.json()["error"]["detail"]["candidates"]) == 2
    assert_error(wrong_class, 404, "not_found")


def test_listings_filters_and_pagination(sample):
    urls = [
        "/claims?domain=grid-policy&limit=3",
        "/claims?domain=grid-policy&limit=3&offset=3",
        "/sources?status=processed&format=tweet",
        "/sources?author=gridwatch_ana",
        "/sources?date_from=2026-02-01&date_to=2026-02-28",
        "/sources?tag=duck-curve",
        "/sources?linked_set=storage-economics-2026",
        "/sources?date_from=yesterday",
        "/claims?limit=9999",
    ]
    page1, page2, tweets, ana, feb, tag, lset, bad_date, bad_limit = get_all(sample, *urls)
    assert page1.json()["total"] == page2.json()["total"] == 9
    assert not {c["id"] for c in page1.json()["items"]} & {c["id"] for c in page2.json()["items"]}
    assert {s["format"] for s in tweets.json()["items"]} == {"tweet"}
    assert ana.json()["total"] == 2
    dates = [s["date"] for s in feb.json()["items"]]
    assert dates and all("2026-02-01" <= d <= "2026-02-28" for d in dates)
    assert tag.json()["total"] == 2 and lset.json()["total"] == 4
    assert_error(bad_date, 422, "invalid_parameter")
    assert_error(bad_limit, 422, "invalid_parameter")


def test_search_resolve_stats_diagnostics_health(sample):
    urls = [
        "/search?q=negative%20prices%20battery",
        "/search?q=zzzz",
        "/search?q=%21%21",
        "/resolve?ref=co-locating-batteries-with-solar",
        "/resolve?ref=" + quote(DUCK) + "&from=domains/grid-policy/x.md",
        "/stats",
        "/diagnostics?severity=error",
        "/health",
    ]
    search, none, empty, res, res_from, stats, diags, health = get_all(sample, *urls)
    hits = search.json()["results"]
    assert hits[0]["id"] == "tweet/1891000000000000101" and "[negative]" in hits[0]["snippet"]
    assert none.json()["count"] == 0
    assert_error(empty, 400, "bad_request")
    assert res.json()["method"] == "prefix" and res.json()["id"].startswith("claim/domains/energy-storage/co-locating")
    assert res_from.json()["method"] == "exact+same-folder"
    assert stats.json()["files_seen"] == 50
    assert diags.json()["total"] == 3 and all(d["severity"] == "error" for d in diags.json()["items"])
    assert health.json()["status"] == "ok"


def test_unknown_route_and_method_use_the_error_shape(sample):
    async def fn(c, _):
        return await c.get("/no/such/route"), await c.delete("/claims")

    missing, method = call(sample, fn)
    assert_error(missing, 404, "not_found")
    assert_error(method, 405, "method_not_allowed")


def test_internal_errors_are_500_in_the_same_shape(sample, monkeypatch):
    from graph import views

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "detail", boom)
    (r,) = get_all(sample, "/tags/solar")
    assert_error(r, 500, "internal_error")
    assert "secret internals" not in r.text


def test_openapi_and_cors(sample):
    async def fn(c, _):
        return await c.get("/openapi.json"), await c.get("/health", headers={"Origin": "https://agent.example"})

    spec, cors = call(sample, fn, cors_origins=["https://agent.example"])
    paths = spec.json()["paths"]
    assert {"/claims/{ref}/sources", "/claims/{ref}/related", "/search", "/resolve", "/sparql"} <= set(paths)
    assert cors.headers["access-control-allow-origin"] == "https://agent.example"


def test_the_fast_lane_answers_exactly_as_the_full_app(tmp_path):
    """Same status, headers and body with the lane and without; plain requests take it."""
    import shutil
    from pathlib import Path

    from api.fastlane import FastLane
    from graph.store import build

    root = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parent.parent / "inbox", root)
    kb = build(root, tmp_path / "store").kb  # a store: point lookups run in process
    claim = kb.model.nodes[kb.model.key_of(f"domains/grid-policy/{NEG}.md")]
    point = f"SELECT ?p ?o WHERE {{ <{kb.iri(claim.key)}> ?p ?o }}"
    plain = [
        ("/sparql?query=" + quote(point), {"Accept": "application/sparql-results+json"}),
        ("/sparql?query=" + quote(point) + "&format=csv", {}),
        ("/sparql?query=" + quote(point), {"Accept": "text/tab-separated-values"}),
        ("/sparql?query=" + quote(CG + "SELECT ?s WHERE { ?s a cg:Claim } ORDER BY ?s"), {}),
        ("/sparql?query=" + quote("CONSTRUCT WHERE { ?s a <https://codex-graph.dev/ontology#Tag> }"), {}),
        (f"/claims/{quote(NEG)}/sources", {}),
        (f"/claims/{quote(claim.key)}/sources?limit=1", {}),
    ]
    odd = [
        ("/sparql?query=" + quote("SELECT * WHERE { ?s ?p "), {}),  # syntax error
        ("/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), {}),
        ("/sparql?query=" + quote(point), {"Accept": "image/png"}),  # 406
        ("/sparql?query=" + quote(point) + "&default-graph-uri=x", {}),
        ("/sparql?query=" + quote(point), {"Origin": "http://elsewhere"}),
        ("/claims/no%20such%20claim/sources", {}),
        (f"/claims/{quote(NEG)}/sources?limit=0", {}),
        (f"/claims/{quote(NEG)}/sources?limit=5&limit=6", {}),
    ]

    def answers(lane: bool):
        async def fn(c, app):
            out = []
            for url, headers in plain + odd:
                r = await c.get(url, headers=headers)
                kept = {k: v for k, v in r.headers.items() if k.lower() not in ("date", "server")}
                out.append((url, r.status_code, kept, r.content))
            stack = app.middleware_stack
            while stack is not None and not isinstance(stack, FastLane):
                stack = getattr(stack, "app", None)
            return out, (stack.served if stack is not None else None)

        return call(kb, fn, fast_lane=lane, response_cache=False)

    with_lane, served = answers(True)
    without_lane, none = answers(False)
    assert with_lane == without_lane
    assert none is None and served == len(plain)
    assert [status for _, status, _, _ in with_lane] == [200] * len(plain) + [400, 400, 406, 400, 200, 404, 422, 200]
