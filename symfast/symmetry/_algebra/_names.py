"""Names of real Lie algebras: the simple types of a dimension, their real forms, and the
canonical way to write a sum of named parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product



# -- tables ----------------------------------------------------------------------------------


def _dim_so(n: int) -> int:
    return n * (n - 1) // 2


def _so_name(n: int) -> str:
    return {0: "", 1: "", 2: "u(1)"}.get(n, f"so({n})")


def _simple_types(n: int, r: int) -> list[tuple[str, int]]:
    """Complex simple types (letter, rank) of dimension n and rank r."""
    out = []
    if r >= 1 and r * (r + 2) == n:
        out.append(("A", r))
    if r >= 2 and r * (2 * r + 1) == n:
        out.append(("B", r))
        if r >= 3:
            out.append(("C", r))
    if r >= 4 and r * (2 * r - 1) == n:
        out.append(("D", r))
    exceptional = {(14, 2): "G", (52, 4): "F", (78, 6): "E", (133, 7): "E", (248, 8): "E"}
    if (n, r) in exceptional:
        out.append((exceptional[(n, r)], r))
    return out


@dataclass(frozen=True)
class _Form:
    name: str
    k_dim: int
    compact: tuple[str, ...]          # simple/abelian parts of a maximal compact subalgebra
    aliases: tuple[str, ...] = ()


def _compact_name(letter: str, r: int) -> _Form:
    if letter == "A":
        n = r + 1
        if n == 2:
            return _Form("so(3)", 3, ("so(3)",), ("su(2)", "sp(1)"))
        if n == 4:
            return _Form("so(6)", 15, ("so(6)",), ("su(4)",))
        return _Form(f"su({n})", n * n - 1, (f"su({n})",))
    if letter == "B":
        n = 2 * r + 1
        al = ("sp(2)",) if r == 2 else ()
        return _Form(f"so({n})", _dim_so(n), (f"so({n})",), al)
    if letter == "C":
        return _Form(f"sp({r})", r * (2 * r + 1), (f"sp({r})",))
    if letter == "D":
        return _Form(f"so({2 * r})", _dim_so(2 * r), (f"so({2 * r})",))
    exc = {"G": "g2", "F": "f4"}.get(letter, f"e{r}")
    dims = {"g2": 14, "f4": 52, "e6": 78, "e7": 133, "e8": 248}
    return _Form(exc, dims[exc], (exc,))


def _real_forms(letter: str, r: int) -> list[_Form]:
    """The real forms of one complex simple type, compact one first."""
    forms = [_compact_name(letter, r)]
    if letter == "A":
        n = r + 1
        if n == 2:
            forms.append(_Form("sl(2,R)", 1, ("u(1)",),
                               ("so(1,2)", "so(2,1)", "su(1,1)", "sp(2,R)")))
            return forms
        special = {(4, "sl"): ("sl(4,R)", ("so(3,3)",)), (4, "su22"): ("su(2,2)", ("so(2,4)",)),
                   (4, "su31"): ("su(3,1)", ("so*(6)",)), (4, "slH"): ("sl(2,H)", ("so(1,5)",))}
        forms.append(_Form(f"sl({n},R)", _dim_so(n), (_so_name(n),),
                           special[(4, "sl")][1] if n == 4 else ()))
        for q in range(1, n // 2 + 1):
            p = n - q
            parts = tuple(x for x in (_su_name(p), _su_name(q), "u(1)") if x)
            al = ()
            if n == 4:
                al = special[(4, "su22" if q == 2 else "su31")][1]
            forms.append(_Form(f"su({p},{q})", p * p + q * q - 1, parts, al))
        if n % 2 == 0:
            m = n // 2
            al = special[(4, "slH")][1] if n == 4 else ()
            forms.append(_Form(f"sl({m},H)", m * (2 * m + 1), (f"sp({m})",), al))
        return forms
    if letter in "BD":
        n = 2 * r + 1 if letter == "B" else 2 * r
        for q in range(1, n // 2 + 1):
            p = n - q
            parts = tuple(x for x in (_so_name(p), _so_name(q)) if x)
            al = ()
            if (p, q) == (4, 1):
                al = ("sp(1,1)",)
            elif (p, q) == (3, 2):
                al = ("sp(4,R)",)
            elif (p, q) == (6, 2):
                al = ("so*(8)",)
            forms.append(_Form(f"so({p},{q})", _dim_so(p) + _dim_so(q), parts, al))
        if letter == "D" and r != 4:      # so*(8) = so(6,2)
            forms.append(_Form(f"so*({n})", r * r, (_su_name(r), "u(1)")))
        return forms
    if letter == "C":
        forms.append(_Form(f"sp({2 * r},R)", r * r, (_su_name(r), "u(1)")))
        for q in range(1, r // 2 + 1):
            p = r - q
            forms.append(_Form(f"sp({p},{q})", p * (2 * p + 1) + q * (2 * q + 1),
                               (f"sp({p})", f"sp({q})")))
        return forms
    if letter == "G":
        return forms + [_Form("g2(2)", 6, ("so(4)",))]
    if letter == "F":
        return forms + [_Form("f4(4)", 24, ("sp(3)", "so(3)")), _Form("f4(-20)", 36, ("so(9)",))]
    table = {6: [("e6(6)", 36, ("sp(4)",)), ("e6(2)", 38, ("su(6)", "so(3)")),
                 ("e6(-14)", 46, ("so(10)", "u(1)")), ("e6(-26)", 52, ("f4",))],
             7: [("e7(7)", 63, ("su(8)",)), ("e7(-5)", 69, ("so(12)", "so(3)")),
                 ("e7(-25)", 79, ("e6", "u(1)"))],
             8: [("e8(8)", 120, ("so(16)",)), ("e8(-24)", 136, ("e7", "so(3)"))]}
    return forms + [_Form(nm, k, c) for nm, k, c in table[r]]


def _su_name(n: int) -> str:
    return {0: "", 1: "", 2: "so(3)"}.get(n, f"su({n})")


def _complex_form(letter: str, r: int) -> _Form:
    """The realification of the complex simple algebra of type (letter, r)."""
    compact = _compact_name(letter, r)
    if letter == "A":
        n = r + 1
        if n == 2:
            return _Form("so(1,3)", 3, ("so(3)",), ("sl(2,C)", "so(3,C)"))
        al = ("so(6,C)",) if n == 4 else ()
        return _Form(f"sl({n},C)", n * n - 1, compact.compact, al)
    if letter == "B":
        n = 2 * r + 1
        al = ("sp(4,C)",) if r == 2 else ()
        return _Form(f"so({n},C)", _dim_so(n), compact.compact, al)
    if letter == "C":
        return _Form(f"sp({2 * r},C)", r * (2 * r + 1), compact.compact)
    if letter == "D":
        return _Form(f"so({2 * r},C)", _dim_so(2 * r), compact.compact)
    return _Form(f"{compact.name}(C)", compact.k_dim, compact.compact)


#: Sums of two equal simple ideals that have a name of their own.
_PAIRS = {"so(3)": ("so(4)", "su(2)+su(2)"), "sl(2,R)": ("so(2,2)", "sl(2,R)+sl(2,R)"),
          "so(1,3)": ("so(4,C)", "sl(2,C)+sl(2,C)")}
#: One-dimensional parts, summed after the simple ones.
_ABELIAN_PARTS = frozenset({"u(1)", "r", "so(2)"})


def _power(name: str, k: int) -> str:
    return "" if k == 0 else (name if k == 1 else f"{name}^{k}")


def _join(parts: list[tuple[int, str]]) -> tuple[str, list[str]]:
    """Canonical sum of named parts, with the pair isomorphisms and the alias list."""
    dims = {nm: dim for dim, nm in parts if nm not in _ABELIAN_PARTS}
    names = [nm for _, nm in parts if nm in dims]
    out: list[tuple[int, str, tuple[str, ...]]] = []
    for nm in sorted(dims, key=lambda x: (-dims[x], x)):
        cnt = names.count(nm)
        dim = dims[nm]
        if nm in _PAIRS:
            pair, alias = _PAIRS[nm]
            out += [(2 * dim, pair, (alias,))] * (cnt // 2)
            cnt %= 2
        out += [(dim, nm, ())] * cnt
    out.sort(key=lambda t: -t[0])
    nu = sum(1 for _, nm in parts if nm == "u(1)")
    rest = [nm for _, nm, _ in out] + ["u(1)"] * nu
    name = "+".join(rest) if rest else "trivial"
    return name, [a for _, _, als in out for a in als]


def _compact_dim(name: str) -> int:
    import re

    if name in ("u(1)", "so(2)"):
        return 1
    m = re.fullmatch(r"(so|su|sp)\((\d+)\)", name)
    if not m:
        return {"g2": 14, "f4": 52, "e6": 78, "e7": 133, "e8": 248}.get(name, 0)
    kind, n = m.group(1), int(m.group(2))
    return {"so": _dim_so(n), "su": n * n - 1, "sp": n * (2 * n + 1)}[kind]


def _isomorphic(name: str, aliases: list[list[str]], pair_aliases: list[str],
                central: list[str], reductive: bool) -> list[str]:
    """Other names: each simple ideal under its aliases, pairs written out."""
    out: list[str] = []
    for a in pair_aliases:
        rest = "+".join(central)
        out.append(a.replace(" ", "") + (f"+{rest}" if rest else ""))
    if reductive and aliases and len(aliases) <= 3:
        for combo in product(*aliases):
            cand = "+".join([*sorted(combo, key=lambda x: x), *central])
            out.append(cand)
    seen, res = {name}, []
    for x in out:
        if x not in seen:
            seen.add(x)
            res.append(x)
    return res[:12]

