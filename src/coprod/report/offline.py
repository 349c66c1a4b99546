"""The offline stand-in for Quarto: shortcodes, includes and cross-references resolved into
plain pandoc Markdown for `coprod.report.render` (retired once Quarto renders everywhere)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from coprod.errors import ReportError
from coprod.report.checks import (
    CITE,
    CROSSREF_KINDS,
    HEADING,
    SHORTCODE,
    TABLE_CAPTION,
    _ident,
    _mask_code,
    find_images,
    project_metadata,
    split_front_matter,
)
from coprod.report.variables import VARIABLES_FILE, lookup, read_variables

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$@|~^])")


def expand_includes(text: str, base: Path, stack: tuple[Path, ...] = ()) -> str:
    """Insert each `{{< include file >}}` (relative to the including file), recursively."""

    def insert(match: re.Match) -> str:
        if match.group("name") != "include":
            return match.group(0)
        target = (base / match.group("args").strip()).resolve()
        if target in stack:
            raise ReportError(f"{target}: included recursively")
        if not target.is_file():
            raise ReportError(f"{base}: included file {match.group('args').strip()} not found ({target})")
        _, body, _ = split_front_matter(target.read_text())
        return expand_includes(body.rstrip("\n"), target.parent, (*stack, target))

    return SHORTCODE.sub(insert, text)


def substitute_variables(text: str, variables: Mapping, *, escape: bool = True) -> str:
    """Replace each `{{< var key >}}` by its value; Markdown-escaped in prose, verbatim inside an
    attribute block (alt text) so the value reads the same either way."""

    def value(match: re.Match) -> str:
        if match.group("name") != "var":
            raise ReportError(f"shortcode {match.group(0)!r} is not supported offline (only var, include)")
        key = match.group("args").strip()
        try:
            raw = lookup(variables, key)
        except KeyError:
            raise ReportError(f"{{{{< var {key} >}}}} is not defined in {VARIABLES_FILE}") from None
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = SHORTCODE.sub("", text[line_start:match.start()])
        in_attrs = before.rfind("{") > before.rfind("}")
        if in_attrs:
            return raw.replace('"', "'")
        return _MARKDOWN_SPECIAL.sub(r"\\\1", raw) if escape else raw

    return SHORTCODE.sub(value, text)


def number_crossrefs(text: str, target: str, *, number_sections: bool = True) -> str:
    """Number figures, tables and sections in document order and resolve `@fig-…`, `@tbl-…`,
    `@sec-…` into links reading "Figure N", "Table N", "Section N".

    For HTML the captions get their "Figure N:"/"Table N:" label here; Typst numbers its own
    figures (in the same document order), so for `target="typst"` captions stay as written.
    """
    masked = _mask_code(text)
    numbers: dict[str, tuple[str, str]] = {}  # id -> (label, bare number)
    edits: list[tuple[int, int, str]] = []
    figure = 0
    for image in find_images(masked):
        ident = _ident(image.attrs)
        if not (ident and ident.startswith("fig-")):
            continue
        figure += 1
        numbers[ident] = (f"Figure {figure}", str(figure))
        caption = f"Figure {figure}: {image.caption}" if target == "html" else image.caption
        attrs = re.sub(r"(?<![\w-])fig-alt(?=\s*=)", "alt", image.attrs)
        edits.append((image.start, image.end, f"![{caption}]({image.target}){{{attrs}}}"))
    for table, match in enumerate(TABLE_CAPTION.finditer(masked), start=1):
        ident = _ident(match.group("attrs"))
        numbers[ident] = (f"Table {table}", str(table))
        if target == "html":
            edits.append((match.start("text"), match.end("text"), f"Table {table}: {match.group('text')}"))
    numbers.update(_section_numbers(masked, number_sections))
    out = text
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]

    def link(match: re.Match) -> str:
        kind, _, ident = match.group("key").partition("-")
        key = match.group("key")
        if kind not in CROSSREF_KINDS or not ident:
            return match.group(0)
        if key not in numbers:
            raise ReportError(f"@{key}: no figure, table or section has the id #{key}")
        label = numbers[key][1] if match.group("minus") else numbers[key][0]
        return f"[{label}](#{key})"

    out = re.sub(r"\[(-?@(?:fig|tbl|sec)-[\w:.-]+)\]", r"\1", out)
    return CITE.sub(link, out)


def _section_numbers(text: str, numbered: bool) -> dict[str, tuple[str, str]]:
    """What `@sec-…` reads for each heading with a `#sec-` id: pandoc's `--number-sections`
    number, or the heading text when sections are unnumbered."""
    counters = [0] * 6
    labels = {}
    for match in HEADING.finditer(text):
        tokens = (match.group("attrs") or "{}")[1:-1].split()
        ident = next((t[1:] for t in tokens if t.startswith("#")), "")
        unnumbered = ".unnumbered" in tokens or "-" in tokens
        level = len(match.group("hashes"))
        if not unnumbered:
            counters[level - 1] += 1
            counters[level:] = [0] * (6 - level)
        if ident.startswith("sec-"):
            number = ".".join(str(c) for c in counters[:level])
            labels[ident] = (f"Section {number}", number) if numbered and not unnumbered else (match.group("text"),) * 2
    return labels


def resolve_document(qmd: str | Path, variables: Mapping | str | Path | None = None, *,
                     target: str = "html", number_sections: bool = True,
                     image_path: Callable[[Path], str] | None = None) -> tuple[dict, str]:
    """(metadata, pandoc Markdown body) of a Quarto-style document with shortcodes expanded,
    variables substituted, cross-references numbered and image paths made absolute (or mapped
    by `image_path`). Raises ReportError on anything unresolvable."""
    qmd = Path(qmd).resolve()
    if variables is None or isinstance(variables, (str, Path)):
        variables = read_variables(Path(variables) if variables is not None else qmd.parent / VARIABLES_FILE)
    meta = _substitute_meta(project_metadata(qmd), variables)
    _, body, _ = split_front_matter(qmd.read_text())
    body = expand_includes(body, qmd.parent, (qmd,))
    body = substitute_variables(body, variables)
    body = number_crossrefs(body, target, number_sections=number_sections)
    mapper = image_path or (lambda p: p.as_posix())
    masked = _mask_code(body)
    for image in reversed(find_images(masked)):
        if re.match(r"[a-z]+:", image.target):
            continue
        resolved = (qmd.parent / image.target).resolve()
        start = body.index(image.target, image.start + len(image.caption) + 4)
        body = body[:start] + mapper(resolved) + body[start + len(image.target):]
    return meta, body


def _substitute_meta(meta, variables):
    if isinstance(meta, dict):
        return {k: _substitute_meta(v, variables) for k, v in meta.items()}
    if isinstance(meta, list):
        return [_substitute_meta(v, variables) for v in meta]
    if isinstance(meta, str):
        return substitute_variables(meta, variables)
    return meta
