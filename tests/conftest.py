"""Fixtures for the platform's own tests (the shared ones come from core.testing)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from core.platform import Platform
from core.runtime import ModuleSource
from core import testing as core_testing
from gateway.app import create_app
from tests.support import mail, tiny_extra, tiny_notes

TINY_NOTES = ModuleSource(key="tiny_notes", load=lambda: tiny_notes, version="1.0.0")
TINY_EXTRA = ModuleSource(key="tiny_extra", load=lambda: tiny_extra, version="1.0.0")


@pytest.fixture(scope="session")
def kansrijk_test_modules() -> list[ModuleSource]:
    return [TINY_NOTES, TINY_EXTRA]


@pytest.fixture(scope="session")
def kansrijk_test_settings() -> dict[str, Any]:
    # The suite logs in far more often per minute than a person; the limit itself has its own test.
    return {"mail_sender": "tests.support.mail:CapturingSender", "login_rate_limit": "10000/minute"}


@pytest.fixture(autouse=True)
def _reset_captured() -> None:
    tiny_notes.CALLS.clear()
    mail.OUTBOX.clear()


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]
    headers: httpx.Headers = field(default_factory=httpx.Headers)

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]

    def ok(self) -> Any:
        assert self.status == 200 and not self.errors, f"{self.status}: {self.body}"
        return self.data


@dataclass
class Api:
    client: httpx.AsyncClient
    platform: Platform
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    async def token(self, slug: str | None, user: str) -> str:
        """A real access token of `user` for tenant `slug` (None: a platform token), cached
        for the test. A person who is not a member gets a token for a tenant they may not
        use; an unknown person gets none (the request is then anonymous)."""
        key = (slug or "", user)
        if key not in self.tokens:
            from core.testing import token_for

            self.tokens[key] = await token_for(self.platform, slug, user)
        return self.tokens[key]

    # The test kit's file download (a module's `register_downloads`), same client and tokens.
    download = core_testing.Api.download

    async def user_token(self, slug: str | None, user: str) -> str | None:
        from sqlalchemy.exc import NoResultFound

        try:
            return await self.token(slug, user)
        except NoResultFound:
            return None  # nobody by that address: the request goes without a token

    async def gql(
        self,
        slug: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        token = await self.user_token(slug, user) if user is not None else None
        if token is not None:
            request_headers["Authorization"] = f"Bearer {token}"
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        response = await self.client.post(f"/t/{slug}/graphql", content=json.dumps(payload), headers=request_headers)
        return GraphQLResponse(response.status_code, response.json(), response.headers)


@pytest.fixture(scope="session")
def app(platform: Platform) -> Any:
    return create_app(platform=platform)


@pytest.fixture
async def api(app: Any, platform: Platform) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, platform)


@dataclass
class World:
    """Two gemeenten with a member per role (e-mail addresses by role and tenant)."""

    utrecht: Any
    bosch: Any

    @staticmethod
    def email(role: str, slug: str) -> str:
        return f"{role}@{slug}.example"


WORLD_ROLES = ("coalition_admin", "professional", "partner_worker", "analyst", "experience_expert", "privacy_officer", "member")


@pytest.fixture
async def world(platform: Platform) -> World:
    from core.services.coalition import create_member
    from core.testing import make_tenant

    utrecht = await make_tenant(platform, "GM0344")
    bosch = await make_tenant(platform, "GM0796")
    for tenant in (utrecht, bosch):
        async with platform.work_as_system(tenant.slug, "test") as work:
            for role in WORLD_ROLES:
                email = World.email(role, tenant.slug)
                await create_member(work, {"email": email, "display_name": role, "roles": [role]})
            await work.commit()
    return World(utrecht=utrecht, bosch=bosch)
