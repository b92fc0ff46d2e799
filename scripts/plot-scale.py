#!/usr/bin/env python3
"""Draw `goalstream bench scale --json` results: cost per event against the number of players
(log scale), one panel per cost (server CPU, WAL, event->durable p99), a line per player
choice (uniform, zipf). SVG, no dependencies.

Usage: goalstream bench scale --json | tail -1 > scale.json
       scripts/plot-scale.py scale.json docs/scale-bench.svg
"""
import json
import math
import sys

COLORS = {"uniform": "#6c8ebf", "zipf": "#d6792c"}
PANELS = [
    ("server_cpu_us_per_event", "Postgres CPU per event (us)"),
    ("wal_bytes_per_event", "WAL per event (bytes)"),
    ("p99_ms", "event->durable p99 (ms)"),
]


def panel(results, key, title, x0, width, height, top_pad=40, bottom=50, left=60):
    xs = sorted({r["players"] for r in results})
    lo, hi = math.log10(min(xs)), math.log10(max(xs))
    span = (hi - lo) or 1.0
    top = max(r[key] for r in results) * 1.1 or 1.0
    plot_w, plot_h = width - left - 20, height - top_pad - bottom

    def px(players):
        return x0 + left + plot_w * ((math.log10(players) - lo) / span if hi > lo else 0.5)

    def py(value):
        return top_pad + plot_h - plot_h * value / top

    out = [f'<text x="{x0 + width / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    for i in range(5):
        value = top * i / 4
        y = py(value)
        out.append(f'<line x1="{x0 + left}" x2="{x0 + width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 + left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>')
    for players in xs:
        label = f"{players / 1e6:g}M" if players >= 1e6 else f"{players / 1e3:g}k"
        out.append(f'<text x="{px(players):.1f}" y="{height - bottom + 18}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{x0 + left + plot_w / 2}" y="{height - 12}" text-anchor="middle">players (log scale)</text>')
    for skew, color in COLORS.items():
        points = sorted((r["players"], r[key]) for r in results if r["skew"] == skew)
        if not points:
            continue
        path = " ".join(f"{px(p):.1f},{py(v):.1f}" for p, v in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for p, v in points:
            out.append(f'<circle cx="{px(p):.1f}" cy="{py(v):.1f}" r="3.5" fill="{color}"><title>{skew} {p:,} players: {v:,.1f}</title></circle>')
    return out


def main(src, dst):
    results = json.load(open(src))["results"]
    width, height = 380, 320
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(PANELS)}" height="{height + 30}" font-family="sans-serif" font-size="12">']
    for i, (key, title) in enumerate(PANELS):
        out += panel(results, key, title, i * width, width, height)
    for i, (skew, color) in enumerate(COLORS.items()):
        x = 60 + i * 110
        out.append(f'<rect x="{x}" y="{height + 12}" width="12" height="12" fill="{color}"/><text x="{x + 18}" y="{height + 22}">{skew}</text>')
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
