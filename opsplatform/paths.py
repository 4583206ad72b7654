"""Where the files the code reads live: one place for each folder.

In a checkout `templates/`, `seed/` and `migrations/` stand beside the package, as the project lays them out; the
wheel carries them inside the package (pyproject.toml maps them in), so an install anywhere finds them too.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES = _bundled("templates")
SEED = _bundled("seed")
MIGRATIONS = _bundled("migrations")
STATIC = PACKAGE / "static"
LOCALE = PACKAGE / "locale"
