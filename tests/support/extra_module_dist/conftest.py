"""Only for this copy inside the platform's repository (a module's own repository has no such
file): the platform's suite passes by this folder, whose tests run on their own, with this
distribution installed and its own pytest settings (see pyproject.toml)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: object) -> bool | None:
    return True if getattr(config, "rootpath", None) != HERE else None
