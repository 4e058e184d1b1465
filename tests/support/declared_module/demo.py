from typing import Any

SEEDED: list[str] = []


async def seed(work: Any) -> None:
    SEEDED.append(work.tenant.slug)
