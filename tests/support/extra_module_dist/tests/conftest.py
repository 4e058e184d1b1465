"""The fixtures come from the platform's test kit (`-p core.testing` in pyproject.toml); the
module is found through its entry point, since it is installed in the test environment."""

from __future__ import annotations

import pytest

from core.testing import World, make_world

KEY = "uitleen"


@pytest.fixture
async def utrecht(platform) -> World:
    """Utrecht with the module on, its two partners and a member per role."""
    return await make_world(platform, "GM0344", modules=[KEY])
