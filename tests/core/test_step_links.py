"""Core's step links without a module around them: the signed token (tampering, another
gemeente, expiry carried in it), and what the runtime refuses of a module's `LinkedSteps`.
The whole flow through HTTP, with a real workflow, is tested by the example module
examples/babyspullen (tests/test_links.py), which declares its steps."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.db import utcnow
from core.errors import DomainError
from core.module_types import Permission
from core.runtime import ModuleLoadError
from core.step_links import LinkedSteps, LinkedSubject, StepLink, make_token, open_steps, read_token, token_hash
from core.testing import settings_for_tests
from core.workflows import Transition, WorkflowDefinition
from tests.core.test_module_runtime import plugin, runtime, source

SETTINGS = settings_for_tests("sqlite+aiosqlite:///:memory:")


def test_a_token_carries_its_link_and_expiry_and_any_change_or_other_gemeente_is_unknown() -> None:
    tenant, link = uuid.uuid4(), uuid.uuid4()
    expires = (utcnow() + dt.timedelta(days=7)).replace(microsecond=0)
    token = make_token(SETTINGS, tenant, link, expires)
    assert token.startswith("ks_") and read_token(SETTINGS, tenant, token) == (link, expires)
    assert make_token(SETTINGS, tenant, link, expires) != token  # a fresh nonce each time
    forged_expiry = token.replace(f".{int(expires.timestamp())}.", f".{int(expires.timestamp()) + 86400}.")
    other_key = settings_for_tests("sqlite+aiosqlite:///:memory:", secret_key="another-secret-of-at-least-32-characters-long")
    for bad_tenant, bad_token, settings in (
        (uuid.uuid4(), token, SETTINGS),  # another gemeente's address
        (tenant, forged_expiry, SETTINGS),  # a later expiry written in
        (tenant, token[:-1] + ("A" if token[-1] != "A" else "B"), SETTINGS),
        (tenant, token.replace("ks_", "kf_"), SETTINGS),
        (tenant, "ks_" + "x" * 300, SETTINGS),
        (tenant, "", SETTINGS),
        (tenant, token, other_key),  # signed with another platform's secret
    ):
        with pytest.raises(DomainError) as refused:
            read_token(settings, bad_tenant, bad_token)
        assert (refused.value.code, refused.value.http_status) == ("LINK_UNKNOWN", 404)
    assert len(token_hash(token)) == 64 and token_hash(token) != token_hash(forged_expiry)


def test_a_link_status_follows_use_revocation_and_time() -> None:
    def link(**fields: object) -> StepLink:
        values = {"expires_at": utcnow() + dt.timedelta(days=1), **fields}
        return StepLink(module_key="m", workflow="m.x", subject_id=uuid.uuid4(), from_state="a", recipient="r@example.org",
                        token_hash="h", sent_by="s", **values)

    assert link().status == "open"
    assert link(used_at=utcnow()).status == "used"
    assert link(revoked_at=utcnow()).status == "revoked"
    assert link(expires_at=utcnow() - dt.timedelta(seconds=1)).status == "expired"


WORKFLOW = WorkflowDefinition(
    key="linked.request",
    states=("open", "taken", "closed"),
    initial="open",
    transitions=(
        Transition("take", ("open",), "taken", "linked.request.handle", side="partner"),
        Transition("refuse", ("open",), "closed", "linked.request.handle", side="partner", requires_reason=True),
        Transition("withdraw", ("open", "taken"), "closed", "linked.request.handle", side="requester"),
    ),
)


async def _load(work: object, subject_id: uuid.UUID) -> LinkedSubject | None:
    return None


async def _take(work: object, subject_id: uuid.UUID, transition: str, reason: str | None) -> None:
    return None


async def _recipient(work: object, subject_id: uuid.UUID) -> str | None:
    return "partner@example.org"


def steps(side: str = "partner", permission: str = "linked.link.send", workflow: WorkflowDefinition = WORKFLOW) -> LinkedSteps:
    return LinkedSteps(workflow=workflow, side=side, send_permission=permission, load=_load, take=_take, recipient=_recipient, title="Aanvraag")


def test_the_steps_a_link_allows_are_the_sides_from_the_state_narrowed_by_the_subject() -> None:
    assert open_steps(steps(), LinkedSubject("open", ())) == ["take", "refuse"]
    assert open_steps(steps(), LinkedSubject("open", (), steps=("refuse",))) == ["refuse"]
    assert open_steps(steps(), LinkedSubject("taken", ())) == []
    assert open_steps(steps("requester"), LinkedSubject("taken", ())) == ["withdraw"]


def _linked(key: str, linked: LinkedSteps, workflows: list[WorkflowDefinition]) -> object:
    permissions = [Permission(f"{key}.link.send", "x"), Permission(f"{key}.request.handle", "x")]
    return source(
        key,
        plugin(key, register_permissions=lambda: permissions, register_workflows=lambda: workflows, register_step_links=lambda: [linked]),
    )


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_linked("linked", steps(side="nobody"), [WORKFLOW]), "has no steps of side 'nobody'"),
        (_linked("linked", steps(permission="core.member.read"), [WORKFLOW]), "must be sent with one of linked's own permissions"),
        (_linked("other", steps(permission="other.link.send"), []), "must name one of other's own workflows"),
    ],
)
def test_a_module_whose_linked_steps_do_not_fit_its_workflow_is_refused(bad: object, reason: str) -> None:
    lenient = runtime()
    lenient.load([bad])
    assert bad.key not in lenient.modules and reason in lenient.failed[bad.key]
    with pytest.raises(ModuleLoadError, match=bad.key):
        runtime(strict=True).load([bad])
    fine = runtime()
    fine.load([_linked("linked", steps(), [WORKFLOW])])
    assert fine.step_links("linked.request") == ("linked", steps())
    assert fine.step_links("nobody.request") is None
