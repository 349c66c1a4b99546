"""Route a rule's Python logging and warnings to its Snakemake ``log:`` file."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path


@contextlib.contextmanager
def rule_log(path: str | Path):
    """Log INFO and above, and any uncaught error, to ``path`` for the duration of a rule."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield logging.getLogger("coprod")
    except Exception as exc:
        root.error("%s: %s", type(exc).__name__, exc)
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
