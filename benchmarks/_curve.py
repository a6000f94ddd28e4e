"""Rows of bench_generators' learning curve, printed as a table by conftest."""

from __future__ import annotations

#: One dict per (case, points, route): right counts, minimum span cosine, names,
#: seconds per fit, the peers' published figures.
CURVE: list[dict] = []


def curve_table(rows: list[dict]) -> list[str]:
    """Markdown lines of the learning curve."""
    if not rows:
        return []
    lines = ["| case | points | route | right count | min span cosine | names | normals "
             "| s per fit | peers (published) |", "| --- | --- | --- | --- | --- | --- | --- "
             "| --- | --- |"]
    for r in sorted(rows, key=lambda r: (r["case"], r["points"], r["route"])):
        cos = "–" if r["min_span_cos"] is None else f"{r['min_span_cos']:.8f}"
        t = "–" if r["s_per_fit"] is None else f"{r['s_per_fit']:.2f}"
        lines.append(f"| {r['case']} | {r['points']} | {r['route']} | {r['right']} | {cos} | "
                     f"{', '.join(r['names'])} | {', '.join(r['normals'])} | {t} | "
                     f"{r['peers'] if r['route'] == 'default' else ''} |")
    return lines
