"""Render the report with Quarto (self-contained HTML, and PDF through Quarto's Typst format),
check what Quarto produced, and open the HTML in headless Chromium.

Quarto resolves the `var`/`include` shortcodes, numbers the cross-references and formats the
citations itself; the project's own checks (`coprod.report.checks`) run on the sources
before the render and, on the rendered HTML and PDF, look for anything a reader would
stumble on. Any Quarto warning (unresolved reference, unknown variable, missing citation)
fails the render. Quarto is found at `$QUARTO_PATH`, beside the running Python (the project's
`make install` links its project-local Quarto into `.venv/bin`), or on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coprod.errors import ReportError
from coprod.report.checks import assert_report_clean

FORMATS = {"html": ".html", "typst": ".pdf"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
QUARTO_WARNING = re.compile(r"^\s*\[?WARN(?:ING)?\b", re.I)

# What a reader must never see in the rendered text: Quarto's marks for an unresolved
# cross-reference (`?@fig-x`) or variable (`?var:x`), pandoc's for a missing citation, a raw
# reference or an unexpanded shortcode.
UNRESOLVED = {
    "unresolved cross-reference": re.compile(r"\?@[\w-]+"),
    "??": re.compile(r"\?\?"),
    "raw cross-reference": re.compile(r"(?<![\w/#])-?@(?:fig|tbl|sec)-[\w-]+"),
    "unresolved variable": re.compile(r"\{\{&lt;|\{\{<|\?var:"),
}

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def quarto_path() -> str | None:
    """`$QUARTO_PATH`, else `quarto` beside the running Python (the venv), else on PATH."""
    explicit = os.environ.get("QUARTO_PATH")
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "quarto"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("quarto")


def quarto_version(tool: str | None = None) -> str | None:
    """Quarto's version, or with `tool` ("pandoc", "typst") the version of the one Quarto runs;
    None when Quarto is not found."""
    quarto = quarto_path()
    if quarto is None:
        return None
    args = [quarto, tool, "--version"] if tool else [quarto, "--version"]
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
    )
    lines = [
        line.strip()
        for line in ANSI.sub("", result.stdout + result.stderr).splitlines()
        if line.strip()
    ]
    if result.returncode != 0 or not lines:
        return None
    return lines[0].removeprefix(f"{tool or 'quarto'} ")


def quarto_warnings(output: str) -> list[str]:
    """The warning lines of Quarto's (and pandoc's, Typst's) console output."""
    return [
        line.strip() for line in ANSI.sub("", output).splitlines() if QUARTO_WARNING.match(line)
    ]


def quarto_render(
    qmd: str | Path, fmt: str, out: str | Path, *, log: str | Path | None = None
) -> float:
    """`quarto render` of one format in the Quarto project folder, the output moved to `out`;
    a non-zero exit or any warning raises ReportError. Returns the seconds it took; Quarto's
    console output is appended to `log`."""
    qmd, out = Path(qmd).resolve(), Path(out)
    quarto = quarto_path()
    if quarto is None:
        raise ReportError(
            "quarto not found: run `make install` (it installs Quarto into .tools/quarto) "
            "or set QUARTO_PATH"
        )
    name = qmd.stem + FORMATS[fmt]
    start = time.perf_counter()
    result = subprocess.run(
        [quarto, "render", qmd.name, "--to", fmt, "--output", name],
        cwd=qmd.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    output = ANSI.sub("", result.stdout + result.stderr)
    if log is not None:
        with open(log, "a") as f:
            f.write(
                f"--- quarto render --to {fmt} (exit {result.returncode}, {seconds:.1f} s)\n"
                f"{output}\n"
            )
    if result.returncode != 0:
        raise ReportError(
            f"{qmd}: quarto render --to {fmt} failed (exit {result.returncode}):\n{output[-3000:]}"
        )
    warnings = quarto_warnings(output)
    if warnings:
        raise ReportError(
            f"{qmd}: quarto render --to {fmt} warned (warnings fail the render):\n"
            + "\n".join(f"  {w}" for w in warnings)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(qmd.parent / name, out)
    return seconds


def render_report(
    qmd: str | Path, html: str | Path, pdf: str | Path, *, log: str | Path | None = None
) -> dict[str, float]:
    """Check the sources, render HTML and Typst PDF with Quarto, then check what it produced
    for unresolved content; returns seconds per format."""
    assert_report_clean(qmd)
    seconds = {
        fmt: quarto_render(qmd, fmt, out, log=log) for fmt, out in (("html", html), ("typst", pdf))
    }
    problems = html_problems(Path(html).read_text()) + pdf_problems(pdf)
    if problems:
        raise ReportError(
            f"{qmd}: the rendered report has unresolved content:\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    return seconds


def _visible_html(text: str) -> str:
    """The text of the HTML body a reader sees: no scripts, styles or tags."""
    body = text[text.find("<body") :]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", body)


def html_problems(text: str) -> list[str]:
    """What a reader would stumble on in rendered HTML: unresolved references, variables or
    citations, or a resource that is not embedded (self-contained means `data:` only)."""
    visible = _visible_html(text)
    problems = [
        f"HTML {name}: {m.group(0)!r}"
        for name, rx in UNRESOLVED.items()
        for m in rx.finditer(visible)
    ]
    body = text[text.find("<body") :]
    problems += [
        f"HTML missing citation: {m.group(0)!r}"
        for m in re.finditer(r"<strong>[^<]*\?</strong>", body)
    ]
    for attr, url in re.findall(
        r"""<(?:img|script|link|source|iframe)\b[^>]*?\b(src|href)=["']([^"']+)""", text
    ):
        if not url.startswith(("data:", "#")):
            problems.append(f"HTML external resource {attr}={url!r}")
    return problems


def pdf_text(pdf: str | Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ReportError("pdftotext not found (apt-get install poppler-utils)")
    return subprocess.run(
        [tool, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_problems(pdf: str | Path) -> list[str]:
    text = pdf_text(pdf)
    return [
        f"PDF {name}: {m.group(0)!r}" for name, rx in UNRESOLVED.items() for m in rx.finditer(text)
    ]


def pdf_image_count(pdf: str | Path) -> int:
    """Raster images drawn in the PDF according to poppler's `pdfimages -list` (soft masks not
    counted): one per figure, since every figure is one PNG."""
    tool = shutil.which("pdfimages")
    if tool is None:
        raise ReportError("pdfimages not found (apt-get install poppler-utils)")
    listing = subprocess.run(
        [tool, "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return sum(1 for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"])


# ---------------------------------------------------------------- headless browser


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def screenshot(
    html: str | Path, png: str | Path, *, width: int = 1280, height: int = 2000
) -> list[str]:
    """Open `html` in headless Chromium, let its scripts run, save a screenshot at `png`, and
    return every console message the page produced (the report should produce none)."""
    browser = chromium_path()
    if browser is None:
        raise ReportError("no chromium on PATH (apt-get install chromium)")
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=10000",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                Path(html).resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0 or not png.is_file():
        raise ReportError(
            f"chromium failed on {html} (exit {result.returncode}): {result.stderr[-2000:]}"
        )
    return [line.split("] ", 1)[-1] for line in result.stderr.splitlines() if ":CONSOLE" in line]


def browser_check(html: str | Path, png: str | Path) -> None:
    """Screenshot `html`; raise ReportError listing any console messages."""
    messages = screenshot(html, png)
    if messages:
        raise ReportError(
            f"{html}: the browser console reported:\n" + "\n".join(f"  {m}" for m in messages)
        )
