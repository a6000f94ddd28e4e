"""Loading the CICY threefold list (Oxford text or Erbin–Finotello JSON), with strict checks."""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symfast._config import data_dir

_KEYS = ("Num", "NumPs", "NumPol", "Eta", "H11", "H21", "C2", "Redun")


@dataclass(frozen=True, eq=False)
class CICYList:
    """The CICY threefolds: one entry per configuration matrix of the list.

    Attributes
    ----------
    ids : ndarray of shape (n,), int64
        The list's ids (1..7890 for the full list).
    matrices : list of ndarray
        Configuration matrices q, shape (m_i, K_i), int64: rows are the
        projective factors P^{n_r}, columns the equations, q[r, j] the degree
        of equation j in the coordinates of factor r.
    dims : list of ndarray
        The n_r of each matrix, recovered from the Calabi–Yau condition
        n_r = sum_j q[r, j] - 1.
    h11, h21, euler : ndarray of shape (n,), int64
        Hodge numbers and Euler number as the list gives them.
    is_product : ndarray of shape (n,), bool
        Product manifolds (the list stores them with h11 = h21 = 0).
    source : str
        The file read.
    """

    ids: np.ndarray
    matrices: list
    dims: list
    h11: np.ndarray
    h21: np.ndarray
    euler: np.ndarray
    is_product: np.ndarray
    source: str

    def __len__(self) -> int:
        return int(self.ids.size)

    def __repr__(self) -> str:
        return f"CICYList({len(self)} manifolds from {self.source!r})"


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text file ({exc})") from None


#: Largest magnitude of any integer in a CICY file (ids, Hodge numbers, degrees); larger
#: values are damage, and would overflow the int64 arrays.
_MAX_INT = 10**9


def _int(tok: str, where: str) -> int:
    v = int(tok)
    if abs(v) > _MAX_INT:
        raise ValueError(f"{where}: {tok!r} is out of range (|value| > {_MAX_INT})")
    return v


def _ints(text: str, where: str) -> list[int]:
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"{where}: expected a list like {{1, 2}}, got {text.strip()!r}")
    inner = body[1:-1].strip()
    if not inner:
        return []
    out = []
    for tok in inner.split(","):
        tok = tok.strip()
        if not re.fullmatch(r"-?\d+", tok):
            raise ValueError(f"{where}: {tok!r} is not an integer")
        out.append(_int(tok, where))
    return out


def _check_matrix(q: np.ndarray, where: str) -> np.ndarray:
    """The configuration checks of ``euler`` plus a bound on degrees; returns the dims n_r."""
    from symfast.cicy._topology import check_configuration

    if q.size and q.max() > 100:
        raise ValueError(f"{where}: degree {int(q.max())} is implausibly large (> 100)")
    return check_configuration(q, where)[1]


def _parse_text(text: str, source: str) -> list[dict]:
    entries: list[dict] = []
    lines = text.splitlines()
    i, n = 0, len(lines)
    while i < n:
        while i < n and not lines[i].strip():
            i += 1
        if i >= n:
            break
        start = i
        fields: dict[str, object] = {}
        rows: list[list[int]] = []
        while i < n and lines[i].strip():
            line = lines[i].strip()
            where = f"{source}, line {i + 1}"
            if ":" in line:
                if rows:
                    raise ValueError(f"{where}: a 'key : value' line after the matrix rows")
                key, value = (s.strip() for s in line.split(":", 1))
                if key not in _KEYS:
                    raise ValueError(f"{where}: unknown key {key!r}; expected one of "
                                     f"{', '.join(_KEYS)}")
                if key in fields:
                    raise ValueError(f"{where}: key {key!r} appears twice in one entry")
                if value.startswith("{"):
                    fields[key] = _ints(value, where)
                elif re.fullmatch(r"-?\d+", value):
                    fields[key] = _int(value, where)
                else:
                    raise ValueError(f"{where}: value of {key!r} is not an integer: {value!r}")
            else:
                rows.append(_ints(line, where))
            i += 1
        where = f"{source}, entry at line {start + 1}"
        missing = [k for k in _KEYS if k not in fields]
        if missing:
            raise ValueError(f"{where}: missing key(s) {', '.join(missing)}")
        if not rows:
            raise ValueError(f"{where}: no matrix rows")
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            raise ValueError(f"{where}: matrix rows have different lengths {sorted(widths)}")
        if len(rows) != fields["NumPs"] or len(rows[0]) != fields["NumPol"]:
            raise ValueError(f"{where}: matrix is {len(rows)}x{len(rows[0])}, but NumPs = "
                             f"{fields['NumPs']} and NumPol = {fields['NumPol']}")
        entries.append({"id": fields["Num"], "matrix": rows, "h11": fields["H11"],
                        "h21": fields["H21"], "euler": fields["Eta"], "where": where})
    return entries


def _parse_json(text: str, source: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object keyed by id")
    entries = []
    for key, val in data.items():
        where = f"{source}, entry {key!r}"
        if not isinstance(val, dict) or "matrix" not in val:
            raise ValueError(f"{where}: no 'matrix'")
        try:
            h11, h21 = int(val["h11"]), int(val["h21"])
            idx = int(key)
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{where}: missing or non-integer id, h11 or h21") from None
        euler = int(val["euler"]) if "euler" in val else 2 * (h11 - h21)
        m = val["matrix"]
        if not isinstance(m, list) or not m or not all(isinstance(r, list) for r in m):
            raise ValueError(f"{where}: 'matrix' must be a list of rows")
        if len({len(r) for r in m}) != 1:
            raise ValueError(f"{where}: matrix rows have different lengths")
        if not all(isinstance(v, int) and not isinstance(v, bool) for r in m for v in r):
            raise ValueError(f"{where}: matrix entries must be integers")
        if any(abs(v) > _MAX_INT for r in m for v in r) or \
                max(abs(idx), abs(h11), abs(h21), abs(euler)) > _MAX_INT:
            raise ValueError(f"{where}: a value is out of range (|value| > {_MAX_INT})")
        entries.append({"id": idx, "matrix": m, "h11": h11, "h21": h21, "euler": euler,
                        "where": where})
    return entries


def load(path: str | os.PathLike | None = None) -> CICYList:
    """Load the CICY threefold list.

    Parameters
    ----------
    path : path-like, optional
        The Oxford text list (``cicylist.txt``, plain or gzipped) or an
        Erbin–Finotello JSON file (``cicy3o.json[.gz]``, ``cicy3f.json[.gz]``), or a
        directory holding ``cicylist.txt.gz``.  Default: ``$SYMFAST_DATA/cicy3``.

    Raises
    ------
    ValueError
        For a malformed file, naming the line (text) or entry (JSON) and what was
        wrong: missing keys, bad integers, ragged rows, a size that disagrees with
        NumPs/NumPol, negative or absurd degrees, rows that are no P^n, a matrix
        that is not a threefold, duplicate ids, or an Euler number inconsistent
        with the Hodge numbers.  Nothing is skipped silently.
    FileNotFoundError
        When the file or directory does not exist.
    """
    p = Path(path) if path is not None else data_dir() / "cicy3"
    if p.is_dir():
        for name in ("cicylist.txt.gz", "cicylist.txt", "cicy3o.json.gz", "cicy3o.json"):
            if (p / name).is_file():
                p = p / name
                break
        else:
            raise FileNotFoundError(f"{p} holds no cicylist.txt[.gz] or cicy3o.json[.gz]")
    if not p.is_file():
        raise FileNotFoundError(f"CICY list {str(p)!r} does not exist")
    text = _open_text(p)
    stripped = text.lstrip()
    entries = (_parse_json(text, p.name) if stripped.startswith("{\"") or
               stripped.startswith("{\n") else _parse_text(text, p.name))
    if not entries:
        raise ValueError(f"{p.name}: no entries")
    ids, mats, dims, h11, h21, eul, prod = [], [], [], [], [], [], []
    seen: set[int] = set()
    for e in entries:
        if e["id"] in seen:
            raise ValueError(f"{e['where']}: id {e['id']} appears twice")
        seen.add(e["id"])
        q = np.asarray(e["matrix"], dtype=np.int64)
        dims.append(_check_matrix(q, e["where"]))
        if e["euler"] != 2 * (e["h11"] - e["h21"]):
            raise ValueError(f"{e['where']}: Euler number {e['euler']} != 2 (h11 - h21) = "
                             f"{2 * (e['h11'] - e['h21'])}")
        if e["h11"] < 0 or e["h21"] < 0:
            raise ValueError(f"{e['where']}: negative Hodge number")
        ids.append(e["id"])
        mats.append(q)
        h11.append(e["h11"])
        h21.append(e["h21"])
        eul.append(e["euler"])
        prod.append(e["h11"] == 0 and e["h21"] == 0)
    order = np.argsort(ids, kind="stable")
    return CICYList(
        ids=np.asarray(ids, dtype=np.int64)[order], matrices=[mats[i] for i in order],
        dims=[dims[i] for i in order], h11=np.asarray(h11, dtype=np.int64)[order],
        h21=np.asarray(h21, dtype=np.int64)[order], euler=np.asarray(eul, dtype=np.int64)[order],
        is_product=np.asarray(prod, dtype=bool)[order], source=p.name)
