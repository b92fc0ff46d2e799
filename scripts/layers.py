#!/usr/bin/env python3
"""Checks that the crate's top-level modules import only downward (CI runs it).

usage: scripts/layers.py [SRC_DIR]   prints every upward or sideways import; exit 1 if any.

A file's module is its first path component under src/ (src/store/jobs.rs -> store). Every
`crate::NAME` in a file, test code included, is an import of NAME. lib.rs and main.rs are the
crate's roots and are skipped. LAYERS below is the architecture (docs/ARCHITECTURE.md): a
module may import modules of lower layers only, and the modules of its own layer that
SIDEWAYS allows. A module missing from LAYERS is an error, so a new one has to be placed.
"""
import re
import sys
from pathlib import Path

# Top to bottom. Leaves (catalog, retry, config) import nothing of the crate.
LAYERS = [
    ["cli"],
    ["commands"],
    ["harness"],
    ["app"],
    ["ui"],
    ["api", "http"],
    ["ingest", "jobs"],
    ["store"],
    ["db"],
    ["telemetry"],
    ["types", "update"],
    ["catalog", "retry", "config"],
]
# Same-layer imports that are allowed: (importer, imported).
SIDEWAYS = set()

rank = {m: len(LAYERS) - i for i, layer in enumerate(LAYERS) for m in layer}
src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
problems = []
for f in sorted(src.rglob("*.rs")):
    rel = f.relative_to(src)
    if rel.name in ("lib.rs", "main.rs"):
        continue
    top = rel.parts[0].removesuffix(".rs")
    if top not in rank:
        problems.append(f"{rel}: module {top!r} has no layer in scripts/layers.py")
        continue
    text = re.sub(r"//[^\n]*", "", f.read_text(errors="replace"))
    for name in sorted(set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))):
        if name == top:
            continue
        if name not in rank:
            problems.append(f"{rel}: imports {name!r}, which has no layer")
        elif rank[name] >= rank[top] and (top, name) not in SIDEWAYS:
            problems.append(f"{rel}: {top} (layer {rank[top]}) imports {name} (layer {rank[name]})")
for problem in problems:
    print(problem)
print(f"layers: {len(LAYERS)}, modules: {len(rank)}, problems: {len(problems)}")
sys.exit(1 if problems else 0)
