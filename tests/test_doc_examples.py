"""Every Python example in the README, the user guide and the tutorials runs as written.

Each code block is executed in a fresh namespace, in a temporary working directory (the
examples write ``results/...``).  Where a line is a bare expression followed by a comment
that reads as a Python literal without floats (``res.algebra  # 'so(4)'``), the value must
equal it; float figures in comments are measurements, left to the benchmarks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", ROOT / "docs" / "guide.rst",
           *sorted((ROOT / "docs" / "tutorials").glob("*.rst"))]


def _markdown_blocks(text: str) -> list[tuple[int, str]]:
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        out.append((text[:m.start()].count("\n") + 1, m.group(1)))
    return out


def _rst_blocks(text: str) -> list[tuple[int, str]]:
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if re.match(r"^\.\. code(-block)?:: python\s*$", lines[i]):
            start, body = i + 1, []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                body.append(lines[i])
                i += 1
            indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
            out.append((start, "\n".join(b[indent:] for b in body).strip("\n") + "\n"))
        else:
            i += 1
    return out


def _blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text()
    return _markdown_blocks(text) if path.suffix == ".md" else _rst_blocks(text)


def _no_floats(value) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, (tuple, list)):
        return all(_no_floats(v) for v in value)
    return True


def _expected(code: str) -> dict[int, object]:
    """Line number -> the literal its trailing comment states, for bare expressions."""
    tree = ast.parse(code)
    lines = code.split("\n")
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Expr) and node.lineno == node.end_lineno:
            line = lines[node.lineno - 1]
            if "#" not in line:
                continue
            comment = line[line.index("#", node.end_col_offset) + 1:].strip() \
                if "#" in line[node.end_col_offset:] else ""
            try:
                value = ast.literal_eval(comment)
            except (ValueError, SyntaxError):
                continue
            if _no_floats(value):
                out[node.lineno] = value
    return out


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in SOURCES if _blocks(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_examples_run_as_written(path, tmp_path, monkeypatch):
    """A document's blocks run in order in one namespace, as a reader runs them."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_example__"}
    for line, code in _blocks(path):
        expected = _expected(code)
        for node in ast.parse(code).body:
            where = f"{path.name}, block at line {line}: {ast.unparse(node)}"
            if node.lineno in expected:
                value = eval(compile(ast.Expression(node.value), where, "eval"), namespace)
                assert value == expected[node.lineno], (where, value)
            else:
                exec(compile(ast.Module([node], []), where, "exec"), namespace)


def test_every_source_has_examples():
    """The collector finds the blocks (a format change must not silently skip them)."""
    assert len(_markdown_blocks((ROOT / "README.md").read_text())) >= 1
    assert len(_rst_blocks((ROOT / "docs" / "guide.rst").read_text())) >= 5
    assert sum(len(_blocks(p)) for p in SOURCES[2:]) >= 6


def _resolve(dotted: str) -> bool:
    """Whether ``symfast.a.b`` names a module or an attribute reachable from one."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_every_dotted_name_in_the_docs_exists():
    """``symfast.symmetry.describe_algebra`` and the like, in prose or code, resolve."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst"))]
    missing = set()
    for path in docs:
        if "_build" in path.parts or "_generated" in path.parts:
            continue
        for m in re.finditer(r"(?<![\w/.-])symfast(?:\.[A-Za-z_]\w*)+", path.read_text()):
            name = m.group(0)
            if not _resolve(name):
                missing.add(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, sorted(missing)
