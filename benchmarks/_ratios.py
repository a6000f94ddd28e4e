"""Reference/kernel ratios from pytest-benchmark groups (shared by conftest and report)."""

from __future__ import annotations


def ratio_rows(groups) -> list[dict]:
    """Rows (group, kernel and reference seconds per item, ratio) from benchmark groups."""
    rows = []
    for group, benches in groups or []:
        roles: dict[str, float] = {}
        for b in benches:
            info = b.get("extra_info", {})
            if "role" in info:
                roles[info["role"]] = (b["stats"]["mean"] if "stats" in b else b["mean"]) / float(info.get("items", 1))
        if "kernel" in roles and "reference" in roles:
            row = {"group": group, "kernel_s_per_item": roles["kernel"],
                   "reference_s_per_item": roles["reference"],
                   "ratio": roles["reference"] / roles["kernel"]}
            # a naive reference may stand beside the fair one, for context
            if "naive" in roles:
                row.update(naive_s_per_item=roles["naive"],
                           naive_ratio=roles["naive"] / roles["kernel"])
            # a built-in counterpart of a user-function kernel, for how close it comes
            if "builtin" in roles:
                row.update(builtin_s_per_item=roles["builtin"],
                           builtin_ratio=roles["builtin"] / roles["kernel"])
            rows.append(row)
    return rows
