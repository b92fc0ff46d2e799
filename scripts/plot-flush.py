#!/usr/bin/env python3
"""Draw `goalstream bench flush --json` results as a bar chart (SVG, no dependencies).

Usage: goalstream bench flush --json | tail -1 > flush.json
       scripts/plot-flush.py flush.json docs/flush-bench.svg
"""
import json
import sys

COLORS = {"per_row": "#b0b0b0", "unnest": "#6c8ebf", "copy_merge": "#d6792c"}


def main(src, dst):
    results = json.load(open(src))["results"]
    groups = []
    for r in results:
        key = (r["workload"], r["batch"])
        if key not in groups:
            groups.append(key)
    strategies = [s for s in COLORS if any(r["strategy"] == s for r in results)]
    top = max(r["rows_per_s"] for r in results)
    width, height, left, bottom, top_pad = 900, 420, 70, 60, 40
    plot_h = height - bottom - top_pad
    group_w = (width - left - 20) / len(groups)
    bar_w = group_w * 0.8 / len(strategies)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15">Flush throughput (rows/s), higher is better</text>']
    for tick in range(0, int(top) + 1, 50_000):
        y = top_pad + plot_h - plot_h * tick / top
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick // 1000}k</text>')
    for gi, (workload, batch) in enumerate(groups):
        x0 = left + gi * group_w + group_w * 0.1
        for si, strategy in enumerate(strategies):
            match = [r for r in results if (r["workload"], r["batch"], r["strategy"]) == (workload, batch, strategy)]
            if not match:
                continue
            value = match[0]["rows_per_s"]
            h = plot_h * value / top
            x = x0 + si * bar_w
            out.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{COLORS[strategy]}"><title>{strategy} {workload} batch {batch}: {value:,.0f} rows/s</title></rect>')
        out.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 18}" text-anchor="middle">{workload}, batch {batch}</text>')
    for si, strategy in enumerate(strategies):
        x = left + si * 130
        out.append(f'<rect x="{x}" y="{height - 24}" width="12" height="12" fill="{COLORS[strategy]}"/><text x="{x + 18}" y="{height - 14}">{strategy}</text>')
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
