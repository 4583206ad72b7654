"""Where the files the code reads live: one place for each folder.

In a checkout `templates/`, `seed/`, `migrations/` and `docs/` stand beside the package, as the project lays them
out; the wheel carries them inside the package (pyproject.toml maps them in), so an install anywhere finds them too.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES = _bundled("templates")
SEED = _bundled("seed")
MIGRATIONS = _bundled("migrations")
DOCS = _bundled("docs")  # the user guides, which the app serves as its help
STATIC = PACKAGE / "static"
LOCALE = PACKAGE / "locale"


@cache
def fingerprint(static_path: str) -> str:
    """A short hash of a static file's bytes: its address changes with its content, so browsers may keep it a year.
    Read once per process (an upgrade restarts it)."""
    file = (STATIC / static_path.lstrip("/")).resolve()
    if not file.is_relative_to(STATIC) or not file.is_file():
        return ""
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]
