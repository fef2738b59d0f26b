"""Compile time against its floor: walking, reading and libyaml-parsing the same files.

Usage: python bench/compile.py [ROOT] [--repeat N]
Prints the best of N runs of each, and the ratios (same machine, same run).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import yaml

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "teleo-codex"


def floor(root: Path) -> int:
    """Walk, read and YAML-parse every Markdown file: the least any compiler must do."""
    n = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.endswith(".md"):
                continue
            text = open(os.path.join(dirpath, name), encoding="utf-8", errors="replace").read()
            if text.startswith("---"):
                end = text.find("\n---", 3)
                try:
                    yaml.load(text[3:end], Loader=loader)
                except (yaml.YAMLError, ValueError):
                    pass
            n += 1
    return n


def best(fn, repeat: int) -> float:
    """Best wall time of `repeat` calls; each result is dropped after its timing, not during it."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        del result
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(DEFAULT_ROOT))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    root = Path(args.root)
    from graph.compiler import compile_kb

    compile_kb(root)  # warm imports and caches
    t_floor = best(lambda: floor(root), args.repeat)
    t_model = best(lambda: compile_kb(root), args.repeat)
    t_rdf = best(lambda: compile_kb(root).rdf, max(1, args.repeat // 2))
    print(f"root: {root.name}")
    print(f"read+parse floor      {t_floor:8.3f} s")
    print(f"compile (model)       {t_model:8.3f} s   {t_model / t_floor:5.2f}x floor")
    print(f"compile + RDF graph   {t_rdf:8.3f} s   {t_rdf / t_floor:5.2f}x floor")


if __name__ == "__main__":
    main()
