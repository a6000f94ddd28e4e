"""Check that the built documentation renders its formulas offline, in a real browser.

    python docs/check_render.py docs/_build/html [--shots DIR]

Headless Chromium opens two pages full of formulas from ``file://`` (no network: MathJax
must come from ``_static/mathjax``), lets their scripts run, and dumps the rendered DOM
and a screenshot of each.  The check fails when a page has no typeset formula
(``mjx-container``) or still shows raw TeX delimiters ``\\(`` or ``\\[`` in its text.

Without a Chromium binary it says so and exits 0, unless ``SYMFAST_REQUIRE_BROWSER=1``
(set by ``.ci/run``, which installs Debian's ``chromium``): then it exits 1.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Two pages whose formulas a reader needs: inline and display maths, matrices, sums.
PAGES = ("concepts/realforms.html", "tutorials/own_data.html")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(browser: str, args: list[str], profile: str) -> subprocess.CompletedProcess:
    base = [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            # file:// pages may load their own _static scripts, nothing from the network
            "--allow-file-access-from-files", "--virtual-time-budget=15000",
            "--host-resolver-rules=MAP * ~NOTFOUND"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120)


def visible_text(dom: str) -> str:
    """The text a reader sees: scripts, styles and MathJax's own markup removed."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    dom = re.sub(r"<mjx-container\b.*?</mjx-container>", " ", dom, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", dom))


def check_page(browser: str, page: Path, shots: Path | None) -> list[str]:
    """Problems found on one page (empty when it renders)."""
    with tempfile.TemporaryDirectory() as profile:
        res = _run(browser, ["--dump-dom", page.as_uri()], profile)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            shot = shots / (page.stem + ".png")
            _run(browser, [f"--screenshot={shot}", "--window-size=1100,1400",
                           "--hide-scrollbars", page.as_uri()], profile)
    dom = res.stdout
    problems = []
    if res.returncode != 0 or "<html" not in dom.lower():
        return [f"{page}: Chromium failed ({res.returncode}): {res.stderr.strip()[-300:]}"]
    n_math = len(re.findall(r"<mjx-container\b", dom))
    if n_math == 0:
        problems.append(f"{page}: no typeset formula (MathJax did not run offline)")
    raw = [m.start() for m in re.finditer(r"\\[(\[]", visible_text(dom))]
    if raw:
        text = visible_text(dom)
        problems.append(f"{page}: {len(raw)} raw TeX delimiter(s) left, first near "
                        f"{text[max(0, raw[0] - 40):raw[0] + 40]!r}")
    print(f"{page.relative_to(page.parents[1])}: {n_math} formulas typeset, "
          f"{len(raw)} raw delimiters")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--shots", type=Path, default=None,
                        help="write a screenshot of each page here")
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        msg = "check_render: no Chromium found (apt-get install chromium); not checked"
        if os.environ.get("SYMFAST_REQUIRE_BROWSER") == "1":
            print(msg.replace("not checked", "required by SYMFAST_REQUIRE_BROWSER=1"),
                  file=sys.stderr)
            return 1
        print(msg, file=sys.stderr)
        return 0
    if not (args.html_dir / "_static" / "mathjax").is_dir():
        print(f"check_render: {args.html_dir}/_static/mathjax is missing: the docs would "
              "load MathJax from a CDN", file=sys.stderr)
        return 1
    problems = []
    for page in PAGES:
        problems += check_page(browser, (args.html_dir / page).resolve(), args.shots)
    for p in problems:
        print(f"check_render: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
