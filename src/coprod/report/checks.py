"""The project's own checks on the report sources: no hand-typed number in the prose, every
``{{< var >}}`` defined, every include and image present, alt text on every figure, every
cross-reference and citation resolvable, and every figure and table referenced in the text.
Quarto itself renders the report (`coprod.report.render`); these checks run before it, and
the same reference checks run on what it produced."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from coprod.errors import ReportError
from coprod.report.variables import VARIABLES_FILE, lookup, read_variables

PROJECT_FILE = "_quarto.yml"

SHORTCODE = re.compile(
    r"(?<!\{)\{\{<[ \t]*(?P<name>[\w-]+)(?P<args>(?:[^>\n]|>(?!\}\}))*?)[ \t]*>\}\}(?!\})"
)
CITE = re.compile(r"(?<![\w@\\])(?P<minus>-?)@(?P<key>[\w]+(?:[:.#$%&+?<>~/-][\w]+)*)")
CROSSREF_KINDS = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
MUST_BE_REFERENCED = ("fig", "tbl")  # a figure or table no sentence points to is a loose end
FENCE = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}).*?$(?P<body>.*?)^(?P=indent)(?P=fence)[`~]*[ \t]*$",
    re.M | re.S,
)
YEAR_MIN, YEAR_MAX = 1900, 2100
PROSE_METADATA = ("title", "subtitle", "abstract", "description")  # front matter a reader reads


@dataclass(frozen=True)
class Problem:
    """One violation found by `check_report`: where it is and what is wrong."""

    path: Path
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.kind}] {self.message}"


def split_front_matter(text: str) -> tuple[dict, str, int]:
    """(metadata, body, number of lines the front matter took) of a Markdown source."""
    match = re.match(r"---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    if not match:
        return {}, text, 0
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise ReportError("front matter must be a YAML mapping")
    return meta, text[match.end() :], match.group(0).count("\n")


def project_metadata(qmd: Path) -> dict:
    """Document metadata as Quarto sees it: `_quarto.yml` (minus project/format) under the
    document's front matter."""
    project = qmd.parent / PROJECT_FILE
    meta = {}
    if project.is_file():
        loaded = yaml.safe_load(project.read_text()) or {}
        meta = {k: v for k, v in loaded.items() if k not in ("project", "format")}
    front, _, _ = split_front_matter(qmd.read_text())
    meta.update(front)
    return meta


def bibliography_paths(qmd: Path) -> list[Path]:
    bib = project_metadata(qmd).get("bibliography") or []
    return [(qmd.parent / b).resolve() for b in ([bib] if isinstance(bib, str) else bib)]


def bibliography_keys(paths) -> set[str]:
    keys: set[str] = set()
    for path in paths:
        keys |= set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", Path(path).read_text()))
    return keys


def _blank(match: re.Match) -> str:
    """Replace a match by spaces, keeping its newlines so line numbers survive masking."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _mask_code(text: str) -> str:
    text = FENCE.sub(_blank, text)
    text = re.sub(r"<!--.*?-->", _blank, text, flags=re.S)
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", _blank, text, flags=re.S)


@dataclass(frozen=True)
class Image:
    start: int
    end: int
    caption: str
    target: str
    attrs: str


def _matching(text: str, start: int, open_: str, close: str) -> int:
    """Index just past the bracket that closes the one at `start`, or -1."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch == "\n" and text[i - 1 : i] == "\n":
            return -1
        i += 1
    return -1


def find_images(text: str) -> list[Image]:
    """Markdown images `![caption](target){attrs}`, with balanced brackets in the caption."""
    images = []
    for match in re.finditer(r"!\[", text):
        close = _matching(text, match.start() + 1, "[", "]")
        if close < 0 or text[close : close + 1] != "(":
            continue
        end = _matching(text, close, "(", ")")
        if end < 0:
            continue
        attrs = ""
        if text[end : end + 1] == "{":
            attr_end = text.find("}", end)
            if attr_end > 0 and "\n" not in text[end:attr_end]:
                attrs = text[end + 1 : attr_end]
                end = attr_end + 1
        target = text[close + 1 : end - len(attrs) - (3 if attrs else 1)].strip()
        target = re.sub(r"""\s+(["']).*\1$""", "", target)
        images.append(
            Image(
                match.start(), end, text[match.start() + 2 : close - 1], target.strip("<>"), attrs
            )
        )
    return images


def _attr(attrs: str, name: str) -> str | None:
    match = re.search(
        rf"""(?<![\w-]){re.escape(name)}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s}}]+))""",
        attrs,
    )
    if not match:
        return None
    return next(g for g in match.groups() if g is not None)


def _ident(attrs: str) -> str | None:
    match = re.search(r"(?:^|\s)#([\w:.-]+)", attrs)
    return match.group(1) if match else None


_SECTION_REF = re.compile(r"(?:\b[Ss]ections?|§)[ \t]*\d+(?:\.\d+)*")
_HEADING_NUMBER = re.compile(r"^(#{1,6}[ \t]+)\d+(?:\.\d+)*\.?(?=[ \t])", re.M)
_LIST_MARKER = re.compile(r"^([ \t]*)\d+[.)](?=[ \t])", re.M)
_FISCAL_YEAR = re.compile(r"(?<![\w.])(?:19|20)\d\d[-–/]\d\d(?![\w.])")
_NUMBER = re.compile(r"(?<![\w.,])(?<![A-Za-z]-)[-−+]?\d+(?:[.,]\d+)*%?(?![\w])")


def find_numbers(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, token) of each number in the prose of a Markdown body.

    Allowed, hence not reported: years 1900-2100 and financial years (`2021-22`); section
    numbers (heading prefixes, `Section 3.2`, `§6`) and ordered-list markers; anything inside
    a shortcode, code, math, an HTML comment or tag, a link or image target, an attribute
    block or a citation/cross-reference key; digits that are part of a word or a hyphenated
    name (`IoD2025`, `L4`, `SHA-256`).
    """
    masked = _mask_code(text)
    masked = SHORTCODE.sub(_blank, masked)
    masked = re.sub(r"\$\$.+?\$\$", _blank, masked, flags=re.S)
    masked = re.sub(r"(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)", _blank, masked)
    masked = re.sub(r"<https?://[^>\s]+>|https?://\S+", _blank, masked)
    masked = re.sub(r"</?[A-Za-z][^<>\n]*>", _blank, masked)
    masked = re.sub(
        r"\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)", lambda m: "]" + _blank(m)[1:], masked
    )
    masked = re.sub(r"\{[^{}\n]*\}", _blank, masked)
    masked = re.sub(r"\[\^[^\]\n]+\]", _blank, masked)
    masked = re.sub(r"\[[^\[\]\n]*@[^\[\]\n]*\]", _blank, masked)
    masked = CITE.sub(_blank, masked)
    masked = _HEADING_NUMBER.sub(
        lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), masked
    )
    masked = _LIST_MARKER.sub(
        lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), masked
    )
    masked = _SECTION_REF.sub(_blank, masked)
    masked = _FISCAL_YEAR.sub(_blank, masked)
    found = []
    for match in _NUMBER.finditer(masked):
        token = match.group(0)
        if re.fullmatch(r"\d{4}", token) and YEAR_MIN <= int(token) <= YEAR_MAX:
            continue
        found.append((first_line + masked.count("\n", 0, match.start()), token))
    return found


def _line_of(text: str, pos: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, pos)


def check_report(qmd: str | Path, variables: Mapping | str | Path | None = None) -> list[Problem]:
    """Every violation in a report source and the `.qmd` files it includes.

    Included `.qmd` files are prose and are linted like the document; any other include
    (generated Markdown tables) is generated content, checked only for existence.
    `variables` defaults to the `_variables.yml` beside the document.
    """
    qmd = Path(qmd)
    if not qmd.is_file():
        raise ReportError(f"{qmd}: report source not found")
    if variables is None or isinstance(variables, (str, Path)):
        var_path = Path(variables) if variables is not None else qmd.parent / VARIABLES_FILE
        variables = read_variables(var_path)
    problems: list[Problem] = []
    anchors: dict[str, tuple[Path, int]] = {}
    references: list[tuple[Path, int, str, str]] = []
    citations: list[tuple[Path, int, str]] = []
    _check_file(qmd, qmd.parent, variables, problems, anchors, references, citations, [])
    for path, line, kind, ident in references:
        if f"{kind}-{ident}" not in anchors:
            problems.append(
                Problem(
                    path, line, "crossref", f"@{kind}-{ident} has no target with id #{kind}-{ident}"
                )
            )
    referenced = {f"{kind}-{ident}" for _, _, kind, ident in references}
    for anchor, (path, line) in anchors.items():
        if anchor.split("-", 1)[0] in MUST_BE_REFERENCED and anchor not in referenced:
            problems.append(
                Problem(path, line, "unreferenced", f"#{anchor} is never referenced (@{anchor})")
            )
    bibs = bibliography_paths(qmd)
    missing_bibs = [b for b in bibs if not b.is_file()]
    for bib in missing_bibs:
        problems.append(Problem(qmd, 1, "citation", f"bibliography {bib} not found"))
    keys = bibliography_keys(b for b in bibs if b.is_file())
    for path, line, key in citations:
        if key not in keys and not missing_bibs:
            problems.append(Problem(path, line, "citation", f"@{key} is not in the bibliography"))
    return sorted(problems, key=lambda p: (str(p.path), p.line, p.kind))


def _check_file(
    path: Path, doc_dir: Path, variables, problems, anchors, references, citations, stack
) -> None:
    if path.resolve() in stack:
        problems.append(
            Problem(path, 1, "include", "includes itself (directly or through another file)")
        )
        return
    stack = [*stack, path.resolve()]
    text = path.read_text()
    meta, body, offset = split_front_matter(text)
    first = offset + 1
    for key in PROSE_METADATA:
        if isinstance(meta.get(key), str):
            key_line = next(
                (i for i, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key}:")), 1
            )
            for _, token in find_numbers(meta[key]):
                problems.append(
                    Problem(
                        path,
                        key_line,
                        "number",
                        f"hand-typed number {token!r} in {key}: use {{{{< var … >}}}}",
                    )
                )
    for match in SHORTCODE.finditer(text):
        line = _line_of(text, match.start(), 1)
        name, arg = match.group("name"), match.group("args").strip()
        if name == "var":
            try:
                lookup(variables, arg)
            except KeyError:
                problems.append(
                    Problem(
                        path,
                        line,
                        "variable",
                        f"{{{{< var {arg} >}}}} is not defined in {VARIABLES_FILE}",
                    )
                )
        elif name == "include":
            target = (path.parent / arg).resolve()
            if not target.is_file():
                problems.append(
                    Problem(path, line, "include", f"included file {arg} not found ({target})")
                )
            elif target.suffix == ".qmd":
                _check_file(
                    target, doc_dir, variables, problems, anchors, references, citations, stack
                )
            else:
                anchors.update({a: (target, 1) for a in _anchors(target.read_text())})
        else:
            problems.append(
                Problem(
                    path,
                    line,
                    "shortcode",
                    f"shortcode {name!r} is not one the report checks understand (var, include)",
                )
            )
    for match in re.finditer(r"\{\{<|>\}\}", SHORTCODE.sub(_blank, text)):
        problems.append(
            Problem(
                path,
                _line_of(text, match.start(), 1),
                "shortcode",
                f"malformed shortcode near {text[match.start() : match.start() + 40]!r}",
            )
        )
    code_masked = _mask_code(body)
    for line, token in find_numbers(body, first):
        problems.append(
            Problem(path, line, "number", f"hand-typed number {token!r}: use {{{{< var … >}}}}")
        )
    for image in find_images(code_masked):
        line = _line_of(code_masked, image.start, first)
        _check_image(path, line, image, doc_dir, problems)
    for match in ANCHOR.finditer(code_masked):
        anchors.setdefault(match.group(1), (path, _line_of(code_masked, match.start(), first)))
    for match in CITE.finditer(_mask_non_prose(code_masked)):
        key = match.group("key")
        line = _line_of(code_masked, match.start(), first)
        kind, _, ident = key.partition("-")
        if kind in CROSSREF_KINDS and ident:
            references.append((path, line, kind, ident))
        else:
            citations.append((path, line, key))


def _mask_non_prose(text: str) -> str:
    """Blank shortcodes and URLs, where an `@` is no citation."""
    text = SHORTCODE.sub(_blank, text)
    return re.sub(r"<https?://[^>\s]+>|https?://\S+", _blank, text)


ANCHOR = re.compile(r"\{[^{}\n]*?#((?:fig|tbl|sec)-[\w:.-]+)")


def _anchors(text: str) -> set[str]:
    return set(ANCHOR.findall(text))


def _check_image(
    path: Path, line: int, image: Image, doc_dir: Path, problems: list[Problem]
) -> None:
    target = image.target
    if re.match(r"[a-z]+://", target):
        problems.append(
            Problem(path, line, "image", f"remote image {target} cannot be embedded offline")
        )
    elif not target.startswith("data:") and not (doc_dir / target).is_file():
        problems.append(
            Problem(
                path, line, "image", f"image {target} not found ({(doc_dir / target).resolve()})"
            )
        )
    fig_alt = _attr(image.attrs, "fig-alt")
    ident = _ident(image.attrs) or ""
    if ident.startswith("fig-"):
        if not (fig_alt or "").strip():
            problems.append(
                Problem(
                    path,
                    line,
                    "alt",
                    f'figure #{ident} has no fig-alt="…" alt text '
                    "(its caption is not a description of the image)",
                )
            )
    elif not (fig_alt or image.caption).strip():
        problems.append(Problem(path, line, "alt", f"image {target} has no alt text"))


def assert_report_clean(qmd: str | Path, variables: Mapping | str | Path | None = None) -> None:
    """Raise ReportError listing every problem `check_report` finds."""
    problems = check_report(qmd, variables)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise ReportError(f"{qmd}: {len(problems)} problem(s) in the report sources:\n{listing}")
