"""The explorer: /graph elements in process, and the page in a real headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .test_api import call
from .test_live import SAMPLE, Server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NEG = "negative midday prices are a market signal for storage rather than a failure of solar"


@pytest.fixture(scope="module")
def kb():
    from graph.compiler import compile_kb

    return compile_kb()


def test_graph_elements_have_positions_colours_and_filters(kb):
    async def fn(c, _):
        return [
            await c.get("/graph"),
            await c.get("/graph?class=Claim&domain=grid-policy"),
            await c.get("/graph?around=" + NEG + "&depth=1"),
            await c.get("/explore"),
            await c.get("/"),
            await c.get("/static/vendor/cytoscape.min.js"),
        ]

    full, grid, around, page, root, lib = call(kb, fn)
    nodes = full.json()["elements"]["nodes"]
    assert nodes and all({"x", "y"} <= set(n["position"]) for n in nodes)
    classes = {n["data"]["cls"] for n in nodes}
    assert "Tag" not in classes and {"Claim", "Source", "Tweet"} <= classes
    claim_colors = {n["data"]["domain"]: n["data"]["color"] for n in nodes if n["data"]["cls"] == "Claim"}
    assert len(set(claim_colors.values())) == len(claim_colors) >= 3  # claims coloured by domain
    grid_nodes = grid.json()["elements"]["nodes"]
    assert grid_nodes and all(n["data"]["cls"] == "Claim" for n in grid_nodes)
    ids = {n["data"]["id"] for n in around.json()["elements"]["nodes"]}
    assert "source/inbox/archive/2026-03-05-gridwatch-x-archive" in ids
    assert page.status_code == 200 and "/static/vendor/cytoscape.min.js" in page.text and root.text == page.text
    assert lib.status_code == 200 and b"cytoscape" in lib.content[:2000]


def test_page_in_headless_chromium():
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed: `make browser` installs it"
    from playwright.sync_api import sync_playwright

    server = Server(SAMPLE)
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/explore")
            page.wait_for_function("window.codexCy && window.codexCy.nodes().length > 0", timeout=60000)
            drawn = page.evaluate("window.codexCy.nodes().length")
            assert drawn >= 50
            page.fill("#search", "negative midday prices")
            page.press("#search", "Enter")
            page.wait_for_selector("#results li")
            first = page.locator("#results li .link").first
            assert first.inner_text() == NEG
            first.click()
            page.wait_for_selector("#sources li", timeout=30000)
            sources = page.inner_text("#sources")
            assert "@gridwatch_ana X archive" in sources and "extracted_from" in sources
            assert page.locator("#related li").count() >= 3
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "explorer.png"))
            browser.close()
    finally:
        server.stop()
    assert errors == []
