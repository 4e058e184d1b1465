"""uitleen: a lending point for baby goods, an extra module installed beside the platform.

It uses only the public plugin API (`core.plugin`), in the module shape of docs/plugins.md: a
table with its own migration branch (`models.py`, `migrations/versions/`), a query and a
mutation with their permissions (`graphql/`, over `services/`), and a per-gemeente
configuration (`config.py`).
"""

from core.plugin import Module, ModuleMeta

MODULE_KEY = "uitleen"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Uitleenpunt",
        description="Babyspullen die partners van de coalitie uitlenen.",
        category="aanvulling",
        plugin_api=">=1.1",
    ),
)
