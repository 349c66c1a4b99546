"""Render the report to self-contained HTML and to PDF, and check the HTML in a real browser.

With `quarto` on PATH the report renders with Quarto (HTML, and PDF through Quarto's Typst
format). Without it, the offline path resolves the `var`/`include` shortcodes and numbers the
cross-references in Python (`coprod.report.resolve_document`), converts with the pandoc that
pypandoc-binary ships (HTML with `--embed-resources`, and Typst), and compiles the Typst
source to PDF with the `typst` package. Both paths read the same `report/` sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypandoc
import typst
import yaml

from coprod.errors import ReportError
from coprod.io import write_text
from coprod.report.checks import assert_report_clean, format_options, project_metadata
from coprod.report.offline import resolve_document

HTML_STYLE = """<style>
body { max-width: 48em; font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif; line-height: 1.5; }
a, a:visited { color: #0b5394; }
figure { margin: 2em 0; }
figure img { display: block; margin: 0 auto; height: auto; }
figcaption, table caption { font-size: 0.9em; color: #333; text-align: left; }
table { font-size: 0.9em; border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.6em; vertical-align: top; }
td[style*="right"] { white-space: nowrap; font-variant-numeric: tabular-nums; }
thead th { border-bottom: 1px solid #555; }
tbody tr:nth-child(even) { background: #f4f4f4; }
td code { font-size: 0.95em; }
#refs div { margin-bottom: 0.5em; }
</style>
"""

# Figures and tables float to the top of a page rather than leave a gap, never past the end of
# their section, and never break. A table longer than a page is marked in the report source with
# a raw Typst block (`#show <tbl-id>: set figure(placement: none)` and `set block(breakable:
# true)`): it then breaks with its header row repeated and its caption kept with its first rows.
TYPST_HEADER = """```{=typst}
#set image(width: 100%)
#set par(justify: false)
#set table(inset: (x: 5pt, y: 3.5pt))
#show table: set text(size: 8.5pt)
#set figure(placement: top)
#show heading.where(level: 1): it => { place.flush(); it }
#show figure.caption: it => block(sticky: true, it)
#show link: set text(fill: rgb("#0b5394"))
```
"""

# What a reader must never see in the rendered HTML: unresolved references or variables.
UNRESOLVED = {
    "??": re.compile(r"\?\?"),
    "raw cross-reference": re.compile(r"(?<![\w/])-?@(?:fig|tbl|sec)-[\w-]+"),
    "unresolved variable": re.compile(r"\{\{&lt;|\{\{<|\?var:"),
    "unresolved citation": re.compile(r"<strong>[^<]*\?</strong>|\(\?\?\?\)"),
}

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def quarto_path() -> str | None:
    return shutil.which("quarto")


def render_report(qmd: str | Path, html: str | Path, pdf: str | Path, *, engine: str = "auto",
                  typst_out: str | Path | None = None) -> str:
    """Check the sources, then render HTML and PDF; returns the engine used ("quarto" or
    "offline"). `engine="auto"` uses Quarto when it is on PATH."""
    qmd = Path(qmd)
    assert_report_clean(qmd)
    if engine not in ("auto", "quarto", "offline"):
        raise ReportError(f"unknown render engine {engine!r} (auto, quarto or offline)")
    if engine == "quarto" or (engine == "auto" and quarto_path()):
        render_with_quarto(qmd, html, pdf)
        return "quarto"
    render_html(qmd, html)
    render_pdf(qmd, pdf, typst_out=typst_out)
    return "offline"


def render_with_quarto(qmd: str | Path, html: str | Path, pdf: str | Path) -> None:
    """`quarto render` once per format in the document's folder, then move each output to its
    destination (Quarto writes beside the source)."""
    quarto = quarto_path()
    if quarto is None:
        raise ReportError("quarto is not on PATH: use the offline engine")
    qmd = Path(qmd).resolve()
    for fmt, out in (("html", Path(html)), ("typst", Path(pdf))):
        name = f"{qmd.stem}.{out.suffix.lstrip('.')}"
        subprocess.run([quarto, "render", qmd.name, "--to", fmt, "--output", name],
                       cwd=qmd.parent, check=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(qmd.parent / name, out)


def _pandoc(source: str, to: str, args: list[str], outputfile: str | None = None) -> str:
    """pypandoc's pandoc with warnings as errors, so a missing citation stops the render."""
    try:
        return pypandoc.convert_text(source, to, format="markdown",
                                     extra_args=["--fail-if-warnings", *args], outputfile=outputfile)
    except RuntimeError as exc:
        raise ReportError(f"pandoc ({to}) failed: {exc}") from exc


def _document(meta: dict, body: str) -> str:
    front = yaml.safe_dump(meta, sort_keys=True, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{body}"


def _metadata(qmd: Path, meta: dict) -> dict:
    """Bibliography and CSL as absolute paths; British English by default."""
    meta = dict(meta)
    for key in ("bibliography", "csl"):
        value = meta.get(key)
        if isinstance(value, str):
            meta[key] = str((qmd.parent / value).resolve())
        elif isinstance(value, list):
            meta[key] = [str((qmd.parent / v).resolve()) for v in value]
    meta.setdefault("lang", "en-GB")
    meta.setdefault("link-citations", True)
    return meta


def _numbered(qmd: Path, options: dict) -> bool:
    """Quarto's `number-sections`: the format's setting, else the document's."""
    return bool(options.get("number-sections", project_metadata(qmd).get("number-sections", False)))


def _common_args(meta: dict, options: dict) -> list[str]:
    # --columns: a pipe table wider than this gets fixed relative column widths from its
    # dash lines, which squeezes long names into overlapping cells; keep widths automatic
    args = ["--standalone", "--columns=10000"]
    if meta.get("bibliography"):
        args.append("--citeproc")
    if options.get("toc", meta.get("toc")):
        args.append("--toc")
        if options.get("toc-depth"):
            args.append(f"--toc-depth={int(options['toc-depth'])}")
    if options.get("number-sections", meta.get("number-sections")):
        args.append("--number-sections")
    return args


def html_source(qmd: str | Path, variables=None) -> tuple[str, list[str]]:
    """(pandoc Markdown, pandoc arguments) for the self-contained HTML."""
    qmd = Path(qmd).resolve()
    options = format_options(qmd, "html")
    numbered = _numbered(qmd, options)
    meta, body = resolve_document(qmd, variables, target="html", number_sections=numbered)
    meta = _metadata(qmd, meta)
    return _document(meta, body), [*_common_args(meta, options), "--embed-resources", "--mathml"]


def render_html(qmd: str | Path, html: str | Path, variables=None) -> Path:
    """Self-contained HTML (images, styles inlined; no network) at `html`."""
    source, args = html_source(qmd, variables)
    html = Path(html)
    html.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        style = Path(tmp) / "style.html"
        style.write_text(HTML_STYLE)
        out = Path(tmp) / "out.html"
        _pandoc(source, "html5", [*args, f"--include-in-header={style}"], outputfile=str(out))
        text = out.read_text()
    problems = html_problems(text)
    if problems:
        raise ReportError(f"{html}: rendered HTML has unresolved content: {'; '.join(problems)}")
    write_text(text, html)
    return html


def html_problems(text: str) -> list[str]:
    """What a reader would stumble on in rendered HTML: `??`, raw `@fig-`, `{{<`, missing
    citations, or a resource that is not embedded (self-contained means `data:` only)."""
    body = text[text.find("<body"):]
    problems = [f"{name}: {m.group(0)!r}" for name, rx in UNRESOLVED.items() for m in rx.finditer(body)]
    for attr, url in re.findall(r"""<(?:img|script|link|source|iframe)\b[^>]*?\b(src|href)=["']([^"']+)""", text):
        if not url.startswith(("data:", "#")):
            problems.append(f"external resource {attr}={url!r}")
    return problems


def typst_source(qmd: str | Path, variables=None) -> tuple[str, Path]:
    """(Typst source, root folder) for the PDF: image paths are made relative to a root that
    holds every file the document reads, as Typst requires."""
    qmd = Path(qmd).resolve()
    options = format_options(qmd, "typst")
    numbered = _numbered(qmd, options)
    meta, body = resolve_document(qmd, variables, target="typst", number_sections=numbered,
                                  image_path=lambda p: p.as_posix())
    images = re.findall(r"!\[[^\n]*?\]\((/[^)\s]+)\)", body)
    root = Path(os.path.commonpath([str(qmd.parent), *images]))
    _, body = resolve_document(qmd, variables, target="typst", number_sections=numbered,
                               image_path=lambda p: "/" + p.relative_to(root).as_posix())
    meta = _metadata(qmd, meta)
    meta.setdefault("papersize", options.get("papersize", "a4"))
    meta.setdefault("margin", options.get("margin", {"x": "2.2cm", "y": "2.5cm"}))
    meta.setdefault("fontsize", options.get("fontsize", "10.5pt"))
    source = _document(meta, TYPST_HEADER + "\n" + body)
    return _pandoc(source, "typst", _common_args(meta, options)), root


def render_pdf(qmd: str | Path, pdf: str | Path, variables=None, *, typst_out: str | Path | None = None) -> Path:
    """PDF through Typst (`typst.compile`, bundled fonts only, fixed timestamp so that equal
    sources give equal bytes). `typst_out` keeps the intermediate Typst source."""
    source, root = typst_source(qmd, variables)
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = typst.compile(source.encode(), root=str(root), ignore_system_fonts=True,
                             timestamp=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    except Exception as exc:  # typst raises its own TypstError, not importable across versions
        raise ReportError(f"{qmd}: typst compile failed: {exc}") from exc
    if typst_out is not None:
        write_text(source, typst_out)
    tmp_pdf = pdf.with_name(f".{pdf.name}.tmp")
    tmp_pdf.write_bytes(data)
    os.replace(tmp_pdf, pdf)
    return pdf


def pdf_figure_count(pdf: str | Path) -> int:
    """Figures in a tagged PDF (Typst tags each `figure(image(...))` as a /Figure element)."""
    return len(re.findall(rb"/S\s*/Figure\b", Path(pdf).read_bytes()))


def pdf_image_count(pdf: str | Path) -> int | None:
    """Raster images drawn in the PDF according to poppler's `pdfimages -list` (soft masks not
    counted); None when poppler-utils is not installed."""
    tool = shutil.which("pdfimages")
    if tool is None:
        return None
    listing = subprocess.run([tool, "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    return sum(1 for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"])


# ---------------------------------------------------------------- headless browser


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def screenshot(html: str | Path, png: str | Path, *, width: int = 1280, height: int = 2000) -> list[str]:
    """Open `html` in headless Chromium, save a screenshot at `png`, and return every console
    message the page produced (a static report should produce none)."""
    browser = chromium_path()
    if browser is None:
        raise ReportError("no chromium on PATH (apt-get install chromium)")
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={width},{height}",
             "--hide-scrollbars", "--enable-logging=stderr", "--v=0", Path(html).resolve().as_uri()],
            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0 or not png.is_file():
        raise ReportError(f"chromium failed on {html} (exit {result.returncode}): {result.stderr[-2000:]}")
    return [line.split("] ", 1)[-1] for line in result.stderr.splitlines() if ":CONSOLE" in line]


def browser_check(html: str | Path, png: str | Path) -> None:
    """Screenshot `html`; raise ReportError listing any console messages."""
    messages = screenshot(html, png)
    if messages:
        raise ReportError(f"{html}: the browser console reported:\n" + "\n".join(f"  {m}" for m in messages))
