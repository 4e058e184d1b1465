"""One test per hookspec (`test_hook_<name>`), each showing the hook doing its job through
the tiny test module; and the meta-test that keeps it so (and keeps docs/plugins.md
complete)."""

from __future__ import annotations

import datetime as dt
import inspect
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from core import hookspecs
from core.events import PENDING_EVENTS_KEY, UndeclaredEventType, publish_event
from core.models import EventDelivery, OutboxEvent, WorkflowHistory
from core.module import DEFAULT_RESOURCES, Module
from core.platform import Platform
from core.services import modules as module_service
from gateway.demo import seed_demo
from tests.conftest import Api, World
from tests.support import tiny_notes

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
ROOT = Path(__file__).resolve().parents[2]


def hookspec_names() -> list[str]:
    return sorted(
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if getattr(function, "kansrijkestart_spec", None) is not None
    )


def test_every_hookspec_has_a_test_and_documentation() -> None:
    names = hookspec_names()
    assert len(names) >= 14
    this_module = sys.modules[__name__]
    untested = [name for name in names if not hasattr(this_module, f"test_hook_{name}")]
    assert not untested, f"hookspecs without test_hook_<name>: {untested}"
    for name in names:
        assert getattr(hookspecs, name).__doc__, f"{name} has no docstring"


def test_every_hookspec_declares_scope_dispatch_and_real_types() -> None:
    """Scope and dispatch live in the spec (the runtime reads them from `HOOKS`); arguments
    and returns are typed, `Any` only where a module chooses the type (its config, the id
    of its own thing)."""
    import typing

    import click  # noqa: F401  (typer's base, for resolving the annotations)
    from pydantic import BaseModel
    from sqlalchemy.ext.asyncio import AsyncSession
    from typer import Typer

    from core.module_types import (  # noqa: F401  (for resolving the annotations)
        ActivityFigure,
        DomainEvent,
        Download,
        EventType,
        GraphQLContribution,
        MemberKnowledge,
        ModuleMeta,
        OfferItem,
        Permission,
        PlanActionProposal,
        ScheduledJob,
        TenantInfo,
    )
    from core.processing import ProcessingActivity
    from core.step_links import LinkedSteps
    from core.work import PlatformWork, Work
    from core.workflows import Transition, WorkflowDefinition, WorkflowSubject

    namespace = {**vars(hookspecs), **locals()}
    assert sorted(hookspecs.HOOKS) == hookspec_names()
    for name, spec in hookspecs.HOOKS.items():
        function = getattr(hookspecs, name)
        assert spec.scope in tuple(hookspecs.Scope) and spec.dispatch in tuple(hookspecs.Dispatch)
        assert bool(function.kansrijkestart_spec["firstresult"]) == (spec.dispatch is hookspecs.Dispatch.FIRST), name
        hints = typing.get_type_hints(function, globalns=namespace)
        assert set(hints) == {*spec.arguments, "return"}, f"{name}: every argument and the return are annotated"
        loose = [argument for argument, hint in hints.items() if hint is typing.Any and argument not in {"config", "id"}]
        assert not loose, f"{name}: {loose} typed Any"


def test_the_facade_offers_each_tenant_and_lifecycle_hook_with_its_arguments() -> None:
    """Callers use `work.hooks.<hook>(...)`; a hook the facade lacks, or whose arguments it
    names differently, could only be reached by a string."""
    from core.runtime import TenantHooks

    for name, spec in hookspecs.HOOKS.items():
        if spec.scope is hookspecs.Scope.PROCESS:
            assert not hasattr(TenantHooks, name), f"{name} is process-scoped: collected at load, not dispatched"
            continue
        if spec.dispatch is hookspecs.Dispatch.NOTIFY:  # delivered to each subscriber on its own
            subscribers = f"{name.removeprefix('on_')}_subscribers"
            assert hasattr(TenantHooks, subscribers) and not hasattr(TenantHooks, name), f"TenantHooks offers {subscribers}()"
            continue
        method = getattr(TenantHooks, name, None)
        assert method is not None, f"TenantHooks has no {name}()"
        assert tuple(inspect.signature(method).parameters)[1:] == spec.arguments, name


def test_the_docs_describe_each_hook_once_with_its_arguments_scope_and_dispatch() -> None:
    documentation = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name, spec in hookspecs.HOOKS.items():
        heading = f"### `{name}({', '.join(spec.arguments)})`"
        assert documentation.count(f"### `{name}(") == 1, f"docs/plugins.md: {name} must have exactly one heading"
        assert heading in documentation, f"docs/plugins.md: expected the heading {heading}"
        section = documentation.split(heading, 1)[1].split("\n### ", 1)[0]
        assert f"Scope: {spec.scope.value}, dispatch: {spec.dispatch.value}." in section, f"docs/plugins.md: {name} scope/dispatch"


async def enable_tiny(api: Api, slug: str = "utrecht") -> None:
    mutation = 'mutation { enableModule(input: {key: "tiny_notes"}) { module { enabled } } }'
    (await api.gql(slug, mutation, user=World.email("coalition_admin", slug))).ok()


async def add_note(api: Api, text: str, *, slug: str = "utrecht") -> dict:
    response = await api.gql(slug, "mutation($t: String!) { addTinyNote(input: {text: $t}) { note { id state } } }", {"t": text}, user=World.email("professional", slug))
    return response.ok()["addTinyNote"]["note"]


MOVE = "mutation($id: ID!, $t: String!, $r: String) { moveTinyNote(input: {id: $id, transition: $t, reason: $r}) { note { state } } }"


def test_hook_module_meta(platform: Platform) -> None:
    module = platform.runtime.modules["tiny_notes"]
    assert (module.meta.name, module.meta.category, module.version) == ("Tiny notes", "test", "1.0.0")
    assert platform.runtime.modules["tiny_extra"].meta.depends_on == ("tiny_notes",)


def test_hook_register_models(platform: Platform) -> None:
    assert tiny_notes.TinyNote in platform.runtime.models()
    from core import migrate

    assert "tiny_notes" in migrate.target_metadata(platform.runtime).tables


async def test_hook_register_migrations(platform: Platform) -> None:
    assert Path(tiny_notes.__file__).parent / "migrations" / "versions" in platform.runtime.migration_dirs()
    async with platform.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
    assert "tiny_notes" in tables


def test_hook_register_graphql(platform: Platform) -> None:
    sdl = platform.schema.as_str()
    assert "tinyNotes: [TinyNoteNode!] @requiresPermission" in sdl and "addTinyNote(input: AddTinyNoteInput!)" in sdl


async def test_hook_register_permissions(api: Api, world: World, platform: Platform) -> None:
    assert platform.permissions.declared_by["tiny_notes.note.write"] == "tiny_notes"
    assert "tiny_notes.note.write" in platform.permissions.grants["professional"]
    assert "tiny_notes.note.write" not in platform.permissions.grants["analyst"]
    await enable_tiny(api)
    refused = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "x"}) { note { id } } }', user=World.email("analyst", "utrecht"))
    assert refused.codes == ["FORBIDDEN"] and refused.errors[0]["extensions"]["permission"] == "tiny_notes.note.write"
    me = (await api.gql("utrecht", "{ me { permissions } }", user=PRO)).ok()
    assert "tiny_notes.note.write" in me["me"]["permissions"]


async def test_hook_register_processing_activities(api: Api, world: World, platform: Platform) -> None:
    assert platform.runtime.processing_activity("tiny_notes.notes")[0] == "tiny_notes"
    register = (await api.gql("utrecht", "{ processingActivities(first: 100) { nodes { key module purpose legalBasis } } }", user=ADMIN)).ok()
    keys = {row["key"]: row for row in register["processingActivities"]["nodes"]}
    assert keys["tiny_notes.notes"]["legalBasis"] == "Test: AVG art. 6 lid 1 sub e." and "core.processing_log_inspection" in keys
    async with platform.work_as_system("utrecht", "test") as work:
        from core.processing import record_processing

        with pytest.raises(ValueError, match="not declared"):
            record_processing(work, "tiny_notes.unknown", "x", ["1"], "read")


def test_hook_register_workflows(platform: Platform) -> None:
    workflows = dict((definition.key, definition) for _plugin, definition in platform.runtime.workflows())
    assert workflows["tiny_notes.note"] is tiny_notes.NOTE_WORKFLOW
    assert "draft --> published: publish" in workflows["tiny_notes.note"].to_mermaid()


async def test_hook_register_event_types(api: Api, world: World, platform: Platform) -> None:
    assert "tiny_notes.note.added" in platform.runtime.declared_event_types
    async with platform.work_as_system("utrecht", "test") as work:
        with pytest.raises(UndeclaredEventType):
            publish_event(work.session, "tiny_notes.note.vanished", {})


async def test_hook_module_config_model(api: Api, world: World, platform: Platform) -> None:
    assert platform.runtime.modules["tiny_notes"].config_model is tiny_notes.TinyConfig
    async with platform.work_as_system("utrecht", "test") as work:
        state = await module_service.enable_module(work, "tiny_notes", {"greeting": "Dag"})
        await work.commit()
    assert state.config == {"greeting": "Dag", "max_notes": 10}
    assert (await api.gql("utrecht", "{ tinyGreeting }", user=PRO)).ok() == {"tinyGreeting": "Dag"}


async def test_hook_module_enabled(api: Api, world: World) -> None:
    await enable_tiny(api)
    await enable_tiny(api)
    assert [(slug, actor) for slug, _config, actor in tiny_notes.CALLS["module_enabled"]] == [("utrecht", ADMIN)]


async def test_hook_module_disabled(api: Api, world: World) -> None:
    await enable_tiny(api)
    for _ in range(2):
        (await api.gql("utrecht", 'mutation { disableModule(input: {key: "tiny_notes"}) { module { enabled } } }', user=ADMIN)).ok()
    assert tiny_notes.CALLS["module_disabled"] == [("utrecht", ADMIN)]


async def test_hook_on_domain_event(api: Api, world: World, platform: Platform) -> None:
    await enable_tiny(api)
    note = await add_note(api, "Nieuw")
    events = tiny_notes.CALLS["on_domain_event"]
    assert [event.type for event in events] == ["tiny_notes.note.added"]
    assert events[0].payload == {"note_id": note["id"]} and events[0].tenant_id == world.utrecht.id
    # A failed mutation publishes nothing: its event is rolled back with it.
    failed = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "fail-after-write"}) { note { id } } }', user=PRO)
    assert failed.codes == ["VALIDATION_FAILED"]
    assert len(tiny_notes.CALLS["on_domain_event"]) == 1
    assert (await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO)).ok() == {"tinyNotes": [{"text": "Nieuw"}]}
    # A failing subscriber is isolated; the event is still marked dispatched, and the failed
    # delivery is recorded and retried (only to that subscriber) when it is due.
    async with platform.work_as_system("utrecht", "test") as work:
        exploding = publish_event(work.session, "tiny_notes.note.added", {"explode": True})
        await work.commit()
    assert len(tiny_notes.CALLS["on_domain_event"]) == 2
    async with platform.work_as_system("utrecht", "test") as work:
        undispatched = (await work.session.execute(select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None)))).scalars().all()
        failed = (await work.session.execute(select(EventDelivery))).scalars().all()
    assert undispatched == []
    assert [(row.event_id, row.subscriber, row.status, row.attempts) for row in failed] == [(exploding.id, "tiny_notes", "retrying", 1)]
    assert await platform.retry_event_deliveries(now=failed[0].next_attempt_at) == 1
    assert [event.id for event in tiny_notes.CALLS["on_domain_event"][2:]] == [exploding.id]
    # Tenant-scoped: a tenant that has not enabled the module does not reach its subscriber.
    async with platform.work_as_system("s-hertogenbosch", "test") as work:
        publish_event(work.session, "tiny_notes.note.added", {})
        await work.commit()
    assert len(tiny_notes.CALLS["on_domain_event"]) == 3


async def test_hook_workflow_guard(api: Api, world: World, platform: Platform) -> None:
    await enable_tiny(api)
    note = await add_note(api, "x" * 150)
    refused = await api.gql("utrecht", MOVE, {"id": note["id"], "t": "publish"}, user=PRO)
    assert refused.codes == ["TRANSITION_REFUSED"] and refused.errors[0]["message"] == "Te lang om te publiceren."
    assert tiny_notes.CALLS["workflow_guard"] == [("tiny_notes.note", "publish", "draft")]
    assert (await api.gql("utrecht", "{ tinyNotes { state } }", user=PRO)).ok() == {"tinyNotes": [{"state": "draft"}]}
    async with platform.work_as_system("utrecht", "test") as work:
        assert (await work.session.execute(select(WorkflowHistory))).scalars().all() == []


async def test_hook_workflow_transitioned(api: Api, world: World, platform: Platform) -> None:
    await enable_tiny(api)
    note = await add_note(api, "Kort")
    moved = (await api.gql("utrecht", MOVE, {"id": note["id"], "t": "publish"}, user=PRO)).ok()
    assert moved["moveTinyNote"]["note"]["state"] == "published"
    assert tiny_notes.CALLS["workflow_transitioned"] == [("tiny_notes.note", "publish", "published")]
    # Not whitelisted, a reason missing, or a permission missing: refused, nothing written.
    again = await api.gql("utrecht", MOVE, {"id": note["id"], "t": "publish"}, user=PRO)
    assert again.codes == ["TRANSITION_NOT_ALLOWED"]
    no_reason = await api.gql("utrecht", MOVE, {"id": note["id"], "t": "archive"}, user=PRO)
    assert no_reason.codes == ["VALIDATION_FAILED"] and no_reason.errors[0]["extensions"]["field"] == "reason"
    archived = (await api.gql("utrecht", MOVE, {"id": note["id"], "t": "archive", "r": "Verouderd"}, user=PRO)).ok()
    assert archived["moveTinyNote"]["note"]["state"] == "archived"
    async with platform.work_as_system("utrecht", "test") as work:
        history = (await work.session.execute(select(WorkflowHistory).order_by(WorkflowHistory.occurred_at))).scalars().all()
        events = (await work.session.execute(select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.occurred_at))).all()
    assert [(row.transition, row.from_state, row.to_state, row.reason, row.actor) for row in history] == [
        ("publish", "draft", "published", None, PRO),
        ("archive", "published", "archived", "Verouderd", PRO),
    ]
    transitions = [payload["transition"] for event_type, payload in events if event_type == "core.workflow.transitioned"]
    assert transitions == ["publish", "archive"]


async def test_hook_register_scheduled_jobs(api: Api, world: World, platform: Platform) -> None:
    """A job runs only in tenants that enabled its module, as of the moved clock, and its
    work is committed."""
    assert ("tiny_notes", "tiny_notes.archive_drafts") in [(key, job.name) for key, job in platform.runtime.scheduled_jobs()]
    await enable_tiny(api)
    note = await add_note(api, "Concept")
    moved = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert await platform.run_scheduled_jobs(now=moved, names=["tiny_notes.archive_drafts"]) == {"tiny_notes.archive_drafts": 1}
    assert tiny_notes.CALLS["register_scheduled_jobs"] == [("utrecht", moved)]  # s-hertogenbosch did not enable it
    async with platform.work_as_system("utrecht", "test") as work:
        stored = (await work.session.execute(select(tiny_notes.TinyNote))).scalars().one()
    assert (str(stored.id), stored.state) == (note["id"], "archived")
    assert await platform.run_scheduled_jobs(now=moved, names=["tiny_notes.archive_drafts"]) == {"tiny_notes.archive_drafts": 0}


async def test_platform_scoped_job_runs_once_for_the_platform(platform: Platform) -> None:
    """A platform-scoped job runs once, in the system context, whichever tenants exist."""
    moved = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert await platform.run_scheduled_jobs(now=moved, names=["tiny_notes.count_everywhere"]) == {"tiny_notes.count_everywhere": 1}
    assert tiny_notes.CALLS["platform_job"] == [("PlatformWork", moved)]


async def test_hook_register_cli_commands(
    world: World, platform: Platform, database_url: str, kansrijk_test_modules: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module's commands become `kansrijk <module key> ...`, run in the gemeente asked for
    (and only where the module is on); a platform command keeps its name."""
    import asyncio

    import typer
    from typer.testing import CliRunner

    from core import platform as platform_module
    from core.testing import TEST_SECRET, enable_module
    from gateway.cli import add_module_commands

    await enable_module(platform, "utrecht", "tiny_notes")
    async with platform.work_as_system("utrecht", "test") as work:
        work.session.add(tiny_notes.TinyNote(text="Eén"))
        await work.commit()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KANSRIJK_SECRET_KEY", TEST_SECRET)
    # The command builds its platform from what is installed: here the test modules too.
    installed = platform_module.installed_module_sources
    monkeypatch.setattr(platform_module, "installed_module_sources", lambda: [*installed(), *kansrijk_test_modules])
    target = typer.Typer()

    @target.command()
    def tiny_notes_cmd() -> None:  # named after its function, like the platform's own commands
        """A platform command."""

    with_commands = [key for key, module in platform.runtime.modules.items() if module.contributions.cli_commands is not None]
    assert "tiny_notes" in with_commands and "handvat1_zicht" in with_commands
    aliases = [module.meta.command for module in platform.runtime.modules.values() if module.meta.command and module.contributions.cli_commands]
    assert "zicht" in aliases  # handvat 1's short name: `kansrijk zicht import-cbs`
    assert sorted(add_module_commands(target, platform.runtime)) == sorted(with_commands + aliases)
    assert {group.name for group in target.registered_groups} >= {"handvat1_zicht", "zicht"}
    def kansrijk(*args: str) -> object:  # a command runs its own event loop, as from a shell
        return asyncio.to_thread(CliRunner().invoke, target, list(args))

    result = await kansrijk("tiny_notes", "count", "--tenant", "utrecht")
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "1 notes", result.output
    result = await kansrijk("tiny_notes", "count", "--tenant", "s-hertogenbosch")
    assert result.exit_code == 1 and "MODULE_NOT_ENABLED" in result.output
    result = await kansrijk("tiny_notes", "count", "--tenant", "nergens")
    assert result.exit_code == 1 and "NOT_FOUND" in result.output


async def test_hook_reference_exists(api: Api, world: World, platform: Platform) -> None:
    """Another module asks whether a note exists, by kind and id: only the tenant's own
    notes, and only while the module is enabled there."""
    await enable_tiny(api)
    note = await add_note(api, "Verwijzing")
    async with platform.work_as_system("utrecht", "test") as work:
        assert await work.reference_exists("tiny_notes.note", note["id"]) is True
        assert await work.reference_exists("tiny_notes.note", "00000000-0000-0000-0000-000000000001") is False
        assert await work.reference_exists("tiny_notes.note", "geen-id") is False
        assert await work.reference_exists("tiny_notes.other", note["id"]) is False
    async with platform.work_as_system("s-hertogenbosch", "test") as work:  # not enabled there, and not its note
        assert await work.reference_exists("tiny_notes.note", note["id"]) is False


async def test_hook_consent_to_share(api: Api, platform: Platform) -> None:
    """Another module asks whether a family of handvat 2 consented to sharing with an
    organisation: only handvat 2 answers, for its own kind, with a consent valid today that
    names that organisation; revoked, another organisation, another kind: no."""
    from core.testing import make_world

    amsterdam = await make_world(platform, "GM0363", modules=["handvat2_signaleren"])
    professional = amsterdam.email("professional")
    month = (dt.date.today() + dt.timedelta(days=60)).strftime("%Y-%m")
    family = (await api.gql(amsterdam.slug, 'mutation($m: String!) { registerFamily(input: {localReference: "HOOK-1", phase: ZWANGER, expectedMonth: $m}) { family { id } } }', {"m": month}, user=professional)).ok()["registerFamily"]["family"]["id"]
    consent = (await api.gql(
        amsterdam.slug,
        "mutation($f: ID!, $p: ID!, $d: Date!, $u: Date!) { recordConsent(input: {familyId: $f, purpose: \"Delen met schuldhulp\", partnerIds: [$p], method: MONDELING, givenOn: $d, validUntil: $u}) { consent { id } } }",
        {"f": family, "p": amsterdam.partners["schuldhulp"], "d": dt.date.today().isoformat(), "u": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
        user=professional,
    )).ok()["recordConsent"]["consent"]["id"]
    debt, midwife = uuid.UUID(amsterdam.partners["schuldhulp"]), uuid.UUID(amsterdam.partners["verloskundige"])
    async with platform.work_as_system(amsterdam.slug, "test") as work:
        assert await work.consent_to_share("handvat2_signaleren.family", family, debt) is True
        assert await work.consent_to_share("handvat2_signaleren.family", family, midwife) is False
        assert await work.consent_to_share("handvat2_signaleren.family", "00000000-0000-0000-0000-000000000001", debt) is False
        assert await work.consent_to_share("handvat2_signaleren.other", family, debt) is False
        assert await work.consent_to_share("tiny_notes.note", family, debt) is False
    (await api.gql(amsterdam.slug, "mutation($c: ID!) { revokeConsent(input: {id: $c}) { consent { id } } }", {"c": consent}, user=professional)).ok()
    async with platform.work_as_system(amsterdam.slug, "test") as work:
        assert await work.consent_to_share("handvat2_signaleren.family", family, debt) is False


def test_hook_register_step_links() -> None:
    """A module's `LinkedSteps` are collected at load (a Module object answers from
    `links:STEP_LINKS`) and found by their workflow; core has none of its own."""
    from tests.core.test_module_runtime import runtime
    from tests.core.test_step_links import WORKFLOW, _linked, steps

    loaded = runtime()
    loaded.load([_linked("linked", steps(), [WORKFLOW])])
    assert loaded.step_links("linked.request") == ("linked", steps())
    assert loaded.core.step_links == []
    assert Module.__dict__["register_step_links"] is not None and "step_links" in DEFAULT_RESOURCES
    assert DEFAULT_RESOURCES["step_links"] == "links:STEP_LINKS"


async def test_hook_seed_demo_data(platform: Platform) -> None:
    for _ in range(2):
        await seed_demo(platform)
    assert sorted(set(tiny_notes.CALLS["seed_demo_data"])) == ["s-hertogenbosch", "utrecht", "zeist"]
    async with platform.work_as_system("utrecht", "test") as work:
        notes = (await work.session.execute(select(tiny_notes.TinyNote))).scalars().all()
    assert [note.text for note in notes] == ["Welkom in Utrecht"]


async def test_hook_seed_platform_demo_data(platform: Platform) -> None:
    """The demo writes the modules' national demo data once, before the gemeenten: handvat 1
    imports its CBS extract (real inhabitants of 2024 per wijk), and a second run adds nothing."""
    from sqlalchemy import func

    from plugins.handvat1_zicht.models import CbsFigure

    counts = []
    for _ in range(2):
        await seed_demo(platform)
        async with platform.session(None) as session:
            counts.append((await session.execute(select(func.count()).select_from(CbsFigure))).scalar_one())
            utrecht = (
                await session.execute(
                    select(CbsFigure.value).where(CbsFigure.region_code == "GM0344", CbsFigure.indicator == "inwoners", CbsFigure.period == 2024)
                )
            ).scalar_one()
    assert counts[0] > 0 and counts[0] == counts[1]
    assert utrecht == 374238


async def test_undelivered_events_are_retried(api: Api, world: World, platform: Platform) -> None:
    """An event committed but never delivered (a crash in between) is delivered later."""
    await enable_tiny(api)
    async with platform.work_as_system("utrecht", "test") as work:
        publish_event(work.session, "tiny_notes.note.added", {"note_id": "x"})
        await work.session.commit()  # committed, but not dispatched (as after a crash)
        work.session.info.pop(PENDING_EVENTS_KEY)
    assert tiny_notes.CALLS["on_domain_event"] == []
    assert await platform.dispatch_pending_events(older_than=dt.timedelta(0)) == 1
    assert [event.payload for event in tiny_notes.CALLS["on_domain_event"]] == [{"note_id": "x"}]
    assert await platform.dispatch_pending_events(older_than=dt.timedelta(0)) == 0


async def test_hook_register_downloads(api: Api, world: World, platform: Platform) -> None:
    from tests.support import tiny_downloads

    # Collected at load: a Module object answers from `downloads:DOWNLOADS` (handvat 1's calendar).
    calendar = platform.runtime.download("handvat1_zicht", "actions.ics")
    assert calendar is not None and calendar.feed and calendar.permission == "handvat1_zicht.plan.read"
    assert platform.runtime.download("tiny_notes", "notes.csv") is None
    with tiny_downloads.serving(platform):  # served at /t/{slug}/modules/{key}/downloads/{name}
        await enable_tiny(api)
        headers = {"Authorization": f"Bearer {await api.token('utrecht', PRO)}"}
        response = await api.client.get("/t/utrecht/modules/tiny_notes/downloads/notes.csv", headers=headers)
        assert (response.status_code, response.content) == (200, b"tekst,toestand\r\n")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"


async def test_hook_wijk_activity(world: World, platform: Platform) -> None:
    """A module counts its year's work per wijk for handvat 1's monitoring: handvat 3 (for
    the whole gemeente) answers only where it is enabled, raw counts with their subjects."""
    from core.testing import enable_module

    await enable_module(platform, "utrecht", "handvat3_toegang")
    async with platform.work_as_system("utrecht", "test") as work:
        figures = await work.hooks.wijk_activity(tenant=work.tenant, year=dt.date.today().year, session=work.session)
    assert [figure.key for figure in figures] == [f"handvat3_toegang.{key}" for key in ("checked", "matched", "referred", "known")]
    assert all(figure.name and figure.description and [(cell.count, cell.subjects) for cell in figure.cells] == [(0, 0)] for figure in figures)
    async with platform.work_as_system("s-hertogenbosch", "test") as work:  # not enabled there
        assert await work.hooks.wijk_activity(tenant=work.tenant, year=dt.date.today().year, session=work.session) == []


async def test_hook_coalition_offer(world: World, platform: Platform) -> None:
    """What the coalition offers families, for a startfoto: handvat 3's regelingen, only
    where it is enabled."""
    from core.testing import enable_module

    await enable_module(platform, "utrecht", "handvat3_toegang")
    async with platform.work_as_system("utrecht", "test") as work:
        offer = await work.hooks.coalition_offer(session=work.session)
    assert offer and {item.kind for item in offer} == {"handvat3_toegang.regeling"} and "kindpakket" in {item.code for item in offer}
    async with platform.work_as_system("s-hertogenbosch", "test") as work:
        assert await work.hooks.coalition_offer(session=work.session) == []


async def test_hook_member_knowledge(world: World, platform: Platform) -> None:
    """What the members know, for the competence coverage: handvat 3 counts per member the
    visible regelingen they marked known (topic `regelingen`), only where it is enabled."""
    from core.plugin import all_members
    from core.testing import enable_module
    from plugins.handvat3_toegang.models import Knowledge, Regeling

    await enable_module(platform, "utrecht", "handvat3_toegang")
    async with platform.work_as_system("utrecht", "test") as work:
        member = next(info.id for info in await all_members(work.session) if info.display_name == "professional")
        regelingen = list((await work.session.execute(select(Regeling).where(Regeling.hidden.is_(False)).order_by(Regeling.key))).scalars())
        for regeling in regelingen[:3]:
            work.session.add(Knowledge(regeling_id=regeling.id, membership_id=member))
        regelingen[0].hidden = True  # a hidden regeling no longer counts
        await work.commit()
    async with platform.work_as_system("utrecht", "test") as work:
        knowledge = await work.hooks.member_knowledge(session=work.session)
    assert [(item.membership_id, item.topic, item.known, item.total) for item in knowledge] == [(member, "regelingen", 2, len(regelingen) - 1)]
    assert knowledge[0].since is not None
    async with platform.work_as_system("s-hertogenbosch", "test") as work:  # not enabled there
        assert await work.hooks.member_knowledge(session=work.session) == []


async def test_hook_add_plan_action(world: World, platform: Platform) -> None:
    """Another module adds an action to the plan van aanpak without importing handvat 1,
    which keeps the plan where it is enabled (and answers the new action's id); elsewhere
    nobody answers."""
    from core.plugin import PlanActionProposal
    from core.testing import enable_module, make_partner
    from plugins.handvat1_zicht.models import Action

    await enable_module(platform, "utrecht", "handvat1_zicht")
    partner = await make_partner(platform, "utrecht", "Bibliotheek Utrecht")
    proposal = PlanActionProposal(title="Voorleesochtend overnemen", description="", reference="tiny_notes.note:1", partner_id=partner.id)
    async with platform.work_as_system("utrecht", "test") as work:
        action_id = await work.hooks.add_plan_action(proposal=proposal, session=work.session, actor=work.actor)
        await work.commit()
    async with platform.work_as_system("utrecht", "test") as work:
        row = (await work.session.execute(select(Action).where(Action.id == action_id))).scalar_one()
    assert (row.title, row.partner_id, row.proposed_by_module, row.status) == ("Voorleesochtend overnemen", partner.id, "tiny_notes", "gepland")
    async with platform.work_as_system("s-hertogenbosch", "test") as work:  # handvat 1 not enabled there
        assert await work.hooks.add_plan_action(proposal=proposal, session=work.session, actor=work.actor) is None
