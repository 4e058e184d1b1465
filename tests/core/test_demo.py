"""`kansrijk serve --demo`: the demo data, and the real server answering as a new user would."""

from __future__ import annotations

import json
import os

import pyotp
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from core.models import Membership, Partner, Person, Tenant, Wijk
from core.platform import Platform
from core.runtime import installed_module_sources
from gateway.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, seed_demo


async def counts(platform: Platform) -> dict[str, tuple[int, int, int]]:
    result = {}
    async with platform.session(None) as session:
        tenants = (await session.execute(select(Tenant))).scalars().all()
    for tenant in tenants:
        async with platform.work_as_system(tenant.slug, "test") as work:
            numbers = []
            for model in (Partner, Membership, Wijk):
                numbers.append((await work.session.execute(select(func.count()).select_from(model))).scalar_one())
            result[tenant.slug] = tuple(numbers)
    return result


async def test_demo_seed_is_complete_and_idempotent(platform: Platform) -> None:
    tenants = await seed_demo(platform)
    assert [(tenant.code, tenant.slug) for tenant in tenants] == [("GM0344", "utrecht"), ("GM0355", "zeist"), ("GM0796", "s-hertogenbosch")]
    first = await counts(platform)
    # Seven partners and Stichting Babyspullen (six and it in Zeist, a smaller coalition
    # without wijken); a member per role with a login (8; 7 in Zeist), the foundation's
    # volunteer (1) and the colleagues without a login (41, 36 and 20).
    assert first == {"utrecht": (8, 9 + 41, 10), "s-hertogenbosch": (8, 9 + 36, 14), "zeist": (7, 8 + 20, 0)}
    await seed_demo(platform)
    assert await counts(platform) == first
    roles = {role for tenant in tenants for login in tenant.logins for role in login.roles}
    assert roles == {"coalition_admin", "professional", "partner_worker", "analyst", "experience_expert", "privacy_officer"}
    async with platform.session(None) as session:
        for email in ("verpleegkundige@jgz-regio.example", "vrijwilliger@stichtingbabyspullen.example"):
            shared = (await session.execute(select(Person).where(Person.email == email))).scalars().all()
            assert len(shared) == 1, email  # one person, a member of both gemeenten


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def login(base: str, slug: str, email: str) -> dict:
    return post_json(f"{base}/t/{slug}/auth/login", {"email": email, "password": DEMO_PASSWORD})


def test_serve_demo_end_to_end(tmp_path: Path) -> None:
    """Start the real server the way the README says and query it over HTTP."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"}
    command = [str(Path(sys.executable).parent / "kansrijk"), "serve", "--demo", "--port", str(port)]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else "server exited"
            assert time.monotonic() < deadline, "server did not become ready in 60 s"
            time.sleep(0.3)
        # The coalition admin sets up two-step login, then logs in with a code.
        enrollment = login(base, "utrecht", "regisseur@utrecht.example")["enrollment_token"]
        secret = post_json(f"{base}/t/utrecht/auth/mfa/enroll", {}, enrollment)["secret"]
        confirmed = post_json(f"{base}/t/utrecht/auth/mfa/enroll/confirm", {"code": pyotp.TOTP(secret).now()}, enrollment)
        assert len(confirmed["recovery_codes"]) == 10 and confirmed["access_token"]
        admin_token = confirmed["access_token"]
        enabled = post_json(f"{base}/t/utrecht/graphql", {"query": "{ me { roles } tenant { modules { key config } } }"}, admin_token)
        assert enabled["data"]["me"]["roles"] == ["COALITION_ADMIN"] and "errors" not in enabled
        for slug in ("utrecht", "s-hertogenbosch"):
            token = login(base, slug, f"verloskundige@{slug}.example")["access_token"]
            body = post_json(f"{base}/t/{slug}/graphql", {"query": "{ tenant { slug modules { key enabled } } }"}, token)
            modules = {module["key"]: module["enabled"] for module in body["data"]["tenant"]["modules"]}
            assert modules == {source.key: True for source in installed_module_sources()}  # every installed module is on
            assert {"handvat1_zicht", "handvat2_signaleren", "handvat3_toegang", "handvat4_leren"} <= set(modules)
        # Another tenant's token is refused.
        bosch = login(base, "s-hertogenbosch", "verloskundige@s-hertogenbosch.example")["access_token"]
        try:
            post_json(f"{base}/t/utrecht/graphql", {"query": "{ tenant { slug } }"}, bosch)
            raise AssertionError("expected 403")
        except urllib.error.HTTPError as error:
            assert error.code == 403
        # The demo API client gets a token for Utrecht and reads its partners.
        request = urllib.request.Request(
            f"{base}/oauth/token",
            data=f"grant_type=client_credentials&tenant=utrecht&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            client_token = json.loads(response.read())["access_token"]
        partners = post_json(f"{base}/t/utrecht/graphql", {"query": "{ partners { totalCount } }"}, client_token)
        assert partners == {"data": {"partners": {"totalCount": 8}}}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert DEMO_PASSWORD in output and "/t/utrecht/auth/login" in output
