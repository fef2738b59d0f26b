"""Run the benchmark suite and write bench/RESULTS.md: every figure beside its baseline, same run.

Usage: python bench/run.py [--sizes 1,10,50] [--skip-http] [--skip-queries]
Corpora ×N are made by bench/replicate.py from ../shared/corpus/teleo-codex into a temp folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from compile import best, floor  # noqa: E402
from replicate import replicate  # noqa: E402
from serve_load import free_port, wait  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus" / "teleo-codex"
BIN = Path(sys.executable).parent


def rss_tree(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                m = re.search(r"VmRSS:\s+(\d+) kB", fh.read())
            total += int(m.group(1)) * 1024 if m else 0
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return total


def serve_figures(root: Path, store: Path) -> dict[str, float]:
    """Cold start from a built store, and the memory of the serving process tree."""
    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "codex-graph"), "--store", str(store), "serve", str(root), "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait(base + "/health", timeout=600)
        cold = time.perf_counter() - t
        # memory while serving, not just at rest: the JSON API, search and both SPARQL paths
        claim = httpx.get(base + "/claims", params={"limit": 1}, timeout=60).json()["items"][0]["id"]
        iri = "https://codex-graph.dev/kb/" + claim
        for path, params in [
            (f"/claims/{claim}/sources", {}),
            (f"/claims/{claim}/related", {}),
            ("/search", {"q": "futarchy markets"}),
            ("/sparql", {"query": f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"}),
            ("/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://codex-graph.dev/ontology#Claim> }"}),
        ]:
            httpx.get(base + path, params=params, timeout=60).raise_for_status()
        time.sleep(1.0)
        return {"cold_start_s": cold, "rss_mb": rss_tree(proc.pid) / 2**20}
    finally:
        proc.terminate()
        proc.wait(30)


def save_to_visible(root: Path, store: Path, trials: int = 5) -> list[float]:
    """Seconds from writing a new claim file to the API answering for it, under `serve --watch`."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "codex-graph"), "--store", str(store), "serve", str(root), "--port", str(port), "--watch", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = []
    try:
        wait(f"http://127.0.0.1:{port}/health", timeout=600)
        time.sleep(1.0)
        for i in range(trials):
            title = f"benchmark claim number {i} appears quickly"
            path = root / "domains" / "bench" / f"{title}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            path.write_text(
                f"---\ntype: claim\ndomain: bench\ndescription: d\nconfidence: likely\nsource: s\n"
                f"created: 2026-01-01\n---\n\n# {title}\n"
            )
            want = f"domains/bench/{title}.md"
            while True:  # the new file itself, not a near-named claim the resolver might offer
                r = httpx.get(f"http://127.0.0.1:{port}/claims/{title}", timeout=10)
                if (r.status_code == 200 and r.json().get("path") == want) or time.perf_counter() - t > 60:
                    break
                time.sleep(0.02)
            out.append(time.perf_counter() - t)
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(root / "domains" / "bench", ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,10,50")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--skip-queries", action="store_true")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    from graph.compiler import compile_kb
    from graph.store import build

    work = Path(tempfile.mkdtemp(prefix="codex-bench-"))
    lines: list[str] = []
    compile_rows, serve_rows = [], []
    for n in sizes:
        root = CORPUS if n == 1 else work / f"x{n}"
        if n != 1:
            replicate(CORPUS, root, n)
        repeat = 3 if n <= 10 else 1
        t_floor = best(lambda r=root: floor(r), repeat)
        t_compile = best(lambda r=root: compile_kb(r), repeat)
        store = work / f"store{n}"
        t = time.perf_counter()
        result = build(root, store, force=True, jobs=os.cpu_count())
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        build(root, store)
        t_reuse = time.perf_counter() - t
        files = result.kb.model.files_seen
        compile_rows.append(
            (n, files, t_floor, t_compile, t_build, t_reuse, len(result.kb.model.nodes), len(result.kb.model.edges))
        )
        del result
        serve_rows.append((n, serve_figures(root, store)))
        print(compile_rows[-1], serve_rows[-1], flush=True)
    latency = save_to_visible(_copy(work), work / "store-watch")
    lines += [
        "# Benchmark results",
        "",
        f"Run with `python bench/run.py --sizes {args.sizes}` on {time.strftime('%Y-%m-%d')}: {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores. Corpora ×N are the real corpus replicated with "
        "renamed titles and references (bench/replicate.py). Every ratio compares two figures of the same run.",
        "",
        "## Compile against the read+parse floor",
        "",
        "Floor: walking, reading and libyaml-parsing the same files. Compile: `compile_kb` (parse, resolve, typed model). "
        "Build: the same plus writing the store (pickles, N-Triples, pyoxigraph). Reuse: `build` when nothing changed.",
        "",
        "| corpus | files | floor s | compile s | compile / floor | build with store s | reuse s | nodes | edges |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, files, fl, co, bu, re_, nodes, edges in compile_rows:
        lines.append(f"| ×{n} | {files} | {fl:.3f} | {co:.3f} | {co / fl:.1f}× | {bu:.2f} | {re_:.2f} | {nodes} | {edges} |")
    if len(compile_rows) > 1:
        first, last = compile_rows[0], compile_rows[-1]
        growth = (last[3] / first[3]) / (last[1] / first[1])
        lines += ["", f"Compile time per file at ×{last[0]} is {growth:.2f}× that at ×{first[0]} (1.0 = linear)."]
    lines += [
        "",
        "## Serving from a built store",
        "",
        "| corpus | cold start to /health s | RSS of server and query worker MB (after answering each kind of request) |",
        "|---|---:|---:|",
    ]
    for n, fig in serve_rows:
        lines.append(f"| ×{n} | {fig['cold_start_s']:.2f} | {fig['rss_mb']:.0f} |")
    lines += [
        "",
        f"Saved file visible through the API (`serve --watch`, ×1): "
        f"{', '.join(f'{x:.2f}' for x in latency)} s (median {sorted(latency)[len(latency) // 2]:.2f} s).",
    ]
    if not args.skip_queries:
        q_root = CORPUS if 10 not in sizes else work / "x10"
        out = subprocess.run([sys.executable, str(HERE / "queries.py"), str(q_root)], capture_output=True, text=True)
        lines += [
            "",
            f"## SPARQL: pyoxigraph against rdflib's own evaluation (×{10 if 10 in sizes else 1})",
            "",
            "```",
            out.stdout.strip(),
            "```",
        ]
    if not args.skip_http:
        out = subprocess.run(
            [sys.executable, str(HERE / "serve_load.py"), str(CORPUS), "--duration", "8"], capture_output=True, text=True
        )
        lines += ["", "## HTTP against `oxigraph serve` (×1, wrk, 8 connections, 8 s each)", "", "```", out.stdout.strip(), "```"]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))


def _copy(work: Path) -> Path:
    dst = work / "watch-copy"
    shutil.copytree(CORPUS, dst)
    return dst


if __name__ == "__main__":
    main()
