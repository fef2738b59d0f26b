"""Export sizes and times per format on a knowledge base (default: the real corpus).

Usage: python bench/exports.py [ROOT]
The RDF graph is built once before timing, so each row is the format's own cost.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "teleo-codex"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(DEFAULT_ROOT))
    args = ap.parse_args()
    from graph import export as ex
    from graph.compiler import compile_kb

    kb = compile_kb(args.root)
    t = time.perf_counter()
    _ = kb.rdf
    print(f"root: {Path(args.root).name}  (RDF graph built in {time.perf_counter() - t:.2f} s, {len(kb.rdf)} triples)")
    print(f"{'format':12} {'size MB':>9} {'time s':>8}")
    for name in ex.FORMATS:
        buf = io.BytesIO()
        t = time.perf_counter()
        ex.export(kb, name, buf)
        print(f"{name:12} {len(buf.getvalue()) / 1e6:9.2f} {time.perf_counter() - t:8.2f}")


if __name__ == "__main__":
    main()
