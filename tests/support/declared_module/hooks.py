from typing import Any

from core.plugin import hookimpl
from tests.support.declared_module import MODULE_KEY

KNOWN = "00000000-0000-0000-0000-00000000000a"


@hookimpl
def reference_exists(kind: str, id: Any) -> bool | None:
    if kind != f"{MODULE_KEY}.thing":
        return None
    return str(id) == KNOWN


def helper_that_is_not_a_hook() -> None:
    """Plain functions of hooks.py are not offered to the platform."""
