"""HTTP load: codex-graph's JSON API and SPARQL endpoint beside `oxigraph serve` on the same data.

Usage: python bench/serve_load.py [ROOT] [--duration S] [--connections N]
Needs `wrk` (Debian package) and the `oxigraph` PyPI package (its server binary).
Prints requests/s and p50/p99 latency for each target, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "teleo-codex"
CLAIM = (
    "domains/ai-alignment/coding agents cannot take accountability for mistakes which means humans must retain "
    "decision authority over security and critical systems regardless of agent capability.md"
)
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)  # fine-grained: cold start is measured with this
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, duration: int, connections: int, accept: str, paths: list[str] | None = None) -> dict[str, float]:
    """wrk against one URL, or (with `paths`) against each of these paths of its host in turn."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Accept: {accept}"]
    script = None
    if paths:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
            fh.write("local paths = {\n" + "".join(f'  "{p}",\n' for p in paths) + "}\n")
            fh.write("local i = 0\nrequest = function()\n  i = i + 1\n")
            fh.write("  return wrk.format(nil, paths[(i % #paths) + 1])\nend\n")
            script = fh.name
        cmd += ["-s", script]
    try:
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        assert m, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99"), "non2xx": float(errors.group(1)) if errors else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(DEFAULT_ROOT))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="SPARQL worker processes per HTTP worker")
    ap.add_argument("--http-workers", type=int, default=2, help="HTTP worker processes of codex-graph")
    ap.add_argument("--claims", type=int, default=200, help="claims the varied runs go through")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    from graph.compiler import compile_kb
    from graph.engine import write_dump

    kb = compile_kb(args.root)
    claim_key = (
        kb.model.key_of(CLAIM) if kb.model.key_of(CLAIM) else next(n.key for n in kb.model.nodes.values() if n.cls == "Claim")
    )
    claim_iri = kb.iri(claim_key)
    # a different claim each request, the same claims in the same order for every server
    claims = sorted(n.key for n in kb.model.nodes.values() if n.cls == "Claim")[: args.claims]
    tmp = tempfile.mkdtemp(prefix="codex-bench-")
    dump = write_dump(kb, tmp)
    store = os.path.join(tmp, "oxigraph")
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", store, "--file", dump], check=True, capture_output=True)
    ox_port, cg_port, raw_port = free_port(), free_port(), free_port()
    store_dir = os.path.join(tmp, "store")
    subprocess.run([str(BIN / "codex-graph"), "--store", store_dir, "build", args.root], check=True, capture_output=True)

    def codex(port: int, *extra: str) -> subprocess.Popen[bytes]:
        cmd = [
            str(BIN / "codex-graph"),
            "--store",
            store_dir,
            "serve",
            args.root,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--http-workers",
            str(args.http_workers),
            "--no-warm-layout",
            *extra,
        ]
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    procs = [
        subprocess.Popen(
            [str(BIN / "oxigraph"), "serve-read-only", "--location", store, "--bind", f"127.0.0.1:{ox_port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        codex(cg_port),
        codex(raw_port, "--no-response-cache"),
    ]
    try:
        wait(f"http://127.0.0.1:{ox_port}/query?query=" + quote("ASK {}"))
        wait(f"http://127.0.0.1:{cg_port}/health")
        wait(f"http://127.0.0.1:{raw_port}/health")

        def point_of(iri: str) -> str:
            return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"

        def sources_of(iri: str) -> str:
            return (
                "PREFIX cg: <https://codex-graph.dev/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
                "SELECT ?s ?rel ?title ?date ?author ?tweet WHERE { ?s ?rel <" + iri + "> . "
                "VALUES ?rel { cg:extractedClaim cg:enrichedClaim } ?s dcterms:title ?title . "
                "OPTIONAL { ?s dcterms:date ?date } OPTIONAL { ?s dcterms:creator ?author } "
                "OPTIONAL { ?s cg:hasTweet ?tweet } }"
            )

        point, sources = point_of(claim_iri), sources_of(claim_iri)
        js, app_json = "application/sparql-results+json", "application/json"
        d, c = args.duration, args.connections
        varied = {
            "point": [quote(point_of(kb.iri(k))) for k in claims],
            "sources": [quote(sources_of(kb.iri(k))) for k in claims],
            "api": [f"/claims/{quote(k)}/sources" for k in claims],
        }
        rows = {
            "oxigraph serve: point SPARQL": wrk(f"http://127.0.0.1:{ox_port}/query?query={quote(point)}", d, c, js),
            "oxigraph serve: sources SPARQL": wrk(f"http://127.0.0.1:{ox_port}/query?query={quote(sources)}", d, c, js),
            "codex-graph: point SPARQL": wrk(f"http://127.0.0.1:{cg_port}/sparql?query={quote(point)}", d, c, js),
            "codex-graph: /claims/{ref}/sources": wrk(
                f"http://127.0.0.1:{cg_port}/claims/{quote(claim_key)}/sources", d, c, app_json
            ),
            "codex-graph uncached: point SPARQL": wrk(f"http://127.0.0.1:{raw_port}/sparql?query={quote(point)}", d, c, js),
            "codex-graph uncached: /claims/{ref}/sources": wrk(
                f"http://127.0.0.1:{raw_port}/claims/{quote(claim_key)}/sources", d, c, app_json
            ),
            "oxigraph serve: point SPARQL, varied claims": wrk(
                f"http://127.0.0.1:{ox_port}/", d, c, js, ["/query?query=" + q for q in varied["point"]]
            ),
            "oxigraph serve: sources SPARQL, varied claims": wrk(
                f"http://127.0.0.1:{ox_port}/", d, c, js, ["/query?query=" + q for q in varied["sources"]]
            ),
            "codex-graph uncached: point SPARQL, varied claims": wrk(
                f"http://127.0.0.1:{raw_port}/", d, c, js, ["/sparql?query=" + q for q in varied["point"]]
            ),
            "codex-graph uncached: /claims/{ref}/sources, varied claims": wrk(
                f"http://127.0.0.1:{raw_port}/", d, c, app_json, varied["api"]
            ),
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"root: {Path(args.root).name}  claim: {claim_key}  http workers: {args.http_workers}")
    print(f"{'target':58} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in rows.items():
        print(f"{name:58} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['non2xx']:8.0f}")
    for label, suffix in (("codex-graph", ""), ("codex-graph uncached", ""), ("codex-graph uncached", ", varied claims")):
        ox_point = rows["oxigraph serve: point SPARQL" + suffix]["rps"]
        ox_src = rows["oxigraph serve: sources SPARQL" + suffix]["rps"]
        ours = rows[label + ": point SPARQL" + suffix]["rps"]
        print(
            f"{label}{suffix}: point SPARQL req/s ratio to oxigraph {ours / ox_point:.2f}; "
            f"/claims/{{ref}}/sources to oxigraph's sources SPARQL "
            f"{rows[label + ': /claims/{ref}/sources' + suffix]['rps'] / ox_src:.2f}"
        )


if __name__ == "__main__":
    main()
