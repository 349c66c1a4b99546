"""Where the repository's non-Python files live, found from the installed (editable) package."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "workflow" / "schemas"


def schema_path(name: str) -> Path:
    """The JSON schema ``workflow/schemas/<name>.schema.yaml`` (config files and the registry)."""
    return SCHEMAS / f"{name}.schema.yaml"
