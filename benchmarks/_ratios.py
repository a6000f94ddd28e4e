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
            # other routes may stand beside the fair reference, for context: a naive one
            # ("naive"), a built-in counterpart of a user-function kernel ("builtin"),
            # symfast's own unbatched path ("lone")
            for role in ("naive", "builtin", "lone"):
                if role in roles:
                    row.update({f"{role}_s_per_item": roles[role],
                                f"{role}_ratio": roles[role] / roles["kernel"]})
            rows.append(row)
    return rows
