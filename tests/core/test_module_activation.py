"""Per-tenant activation of modules: GraphQL and services, dependencies, configuration,
the module gate, lifecycle hooks, cache invalidation across app instances."""

from __future__ import annotations

from core.runtime import installed_module_sources

from core import migrate
from core.platform import Platform
from tests.conftest import TINY_EXTRA, TINY_NOTES, Api, World
from tests.support import tiny_notes

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
ENABLE = "mutation($key: String!, $config: JSON) { enableModule(input: {key: $key, config: $config}) { module { key enabled config enabledBy } } }"
DISABLE = "mutation($key: String!) { disableModule(input: {key: $key}) { module { key enabled } } }"
MODULES = "{ tenant { modules { key enabled config } } }"


async def module_state(api: Api, key: str, slug: str = "utrecht") -> dict:
    data = (await api.gql(slug, MODULES, user=World.email("coalition_admin", slug))).ok()
    return next(module for module in data["tenant"]["modules"] if module["key"] == key)


async def test_tiny_module_works_for_one_tenant_and_is_gated_for_the_other(api: Api, world: World) -> None:
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    added = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "Hallo"}) { note { text } } }', user=PRO)
    assert added.ok()["addTinyNote"]["note"]["text"] == "Hallo"
    assert (await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO)).ok() == {"tinyNotes": [{"text": "Hallo"}]}

    bosch_pro = World.email("professional", "s-hertogenbosch")
    query = await api.gql("s-hertogenbosch", "{ tinyNotes { text } tenant { code } }", user=bosch_pro)
    assert query.status == 200
    assert query.codes == ["MODULE_NOT_ENABLED"]
    assert query.errors[0]["path"] == ["tinyNotes"] and query.errors[0]["extensions"]["module"] == "tiny_notes"
    # Partial data: the refused root field is null, its sibling keeps its data.
    assert query.data == {"tinyNotes": None, "tenant": {"code": "GM0796"}}
    write = await api.gql("s-hertogenbosch", 'mutation { addTinyNote(input: {text: "X"}) { note { text } } }', user=bosch_pro)
    assert write.codes == ["MODULE_NOT_ENABLED"]
    # Nothing was written in either tenant by the refused mutation.
    assert (await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO)).ok() == {"tinyNotes": [{"text": "Hallo"}]}


async def test_enable_disable_by_graphql_keeps_data_and_fires_hooks_once(api: Api, world: World) -> None:
    first = (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()["enableModule"]["module"]
    assert first == {"key": "tiny_notes", "enabled": True, "config": {"greeting": "Hallo", "max_notes": 10}, "enabledBy": ADMIN}
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()  # again: no change
    assert len(tiny_notes.CALLS["module_enabled"]) == 1
    (await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "Blijft"}) { note { id } } }', user=PRO)).ok()
    (await api.gql("utrecht", DISABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    (await api.gql("utrecht", DISABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    assert tiny_notes.CALLS["module_disabled"] == [("utrecht", ADMIN)]
    assert (await module_state(api, "tiny_notes"))["enabled"] is False
    assert (await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO)).codes == ["MODULE_NOT_ENABLED"]
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    assert (await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO)).ok() == {"tinyNotes": [{"text": "Blijft"}]}
    assert len(tiny_notes.CALLS["module_enabled"]) == 2


async def test_only_admins_and_operators_switch_modules(api: Api, world: World, platform: Platform) -> None:
    for role in ("professional", "partner_worker", "analyst", "experience_expert", "privacy_officer"):
        response = await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=World.email(role, "utrecht"))
        assert response.codes == ["FORBIDDEN"], role
    assert (await module_state(api, "tiny_notes"))["enabled"] is False
    from gateway.cli import app as cli  # noqa: F401  (the operator is made the same way as by `user add --operator`)
    from core.models import Person

    async with platform.session(None) as session:
        session.add(Person(email="operator@platform.example", is_platform_operator=True))
        await session.commit()
    operator = (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user="operator@platform.example")).ok()
    assert operator["enableModule"]["module"]["enabled"] is True
    # The operator manages modules but sees no coalition data.
    partners = await api.gql("utrecht", "{ partners { totalCount } }", user="operator@platform.example")
    assert partners.codes == ["FORBIDDEN"]


async def test_bad_module_requests_write_nothing(api: Api, world: World) -> None:
    unknown = await api.gql("utrecht", ENABLE, {"key": "handvat9"}, user=ADMIN)
    assert unknown.codes == ["UNKNOWN_MODULE"] and unknown.errors[0]["extensions"]["field"] == "input.key"
    bad_config = await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"max_notes": 0}}, user=ADMIN)
    assert bad_config.codes == ["INVALID_CONFIG"]
    assert bad_config.errors[0]["extensions"]["field"] == "input.config.maxNotes"
    not_object = await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": [1, 2]}, user=ADMIN)
    assert not_object.codes == ["INVALID_CONFIG"]
    extra = await api.gql("utrecht", ENABLE, {"key": "handvat1_zicht", "config": {"x": 1}}, user=ADMIN)
    assert extra.codes == ["INVALID_CONFIG"]
    misspelt = await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greting": "Hoi"}}, user=ADMIN)
    assert misspelt.codes == ["INVALID_CONFIG"] and "greting" in misspelt.errors[0]["message"]
    assert (await module_state(api, "tiny_notes"))["enabled"] is False
    assert tiny_notes.CALLS["module_enabled"] == []


async def test_config_is_validated_and_used(api: Api, world: World) -> None:
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greeting": "Goedemorgen"}}, user=ADMIN)).ok()
    assert (await api.gql("utrecht", "{ tinyGreeting }", user=PRO)).ok() == {"tinyGreeting": "Goedemorgen"}
    assert tiny_notes.CALLS["module_enabled"][0][1].greeting == "Goedemorgen"
    configure = "mutation($config: JSON!) { configureModule(input: {key: \"tiny_notes\", config: $config}) { module { config } } }"
    changed = (await api.gql("utrecht", configure, {"config": {"greeting": "Hoi", "max_notes": 5}}, user=ADMIN)).ok()
    assert changed["configureModule"]["module"]["config"] == {"greeting": "Hoi", "max_notes": 5}
    refused = await api.gql("utrecht", configure, {"config": {"greeting": ""}}, user=ADMIN)
    assert refused.codes == ["INVALID_CONFIG"] and refused.errors[0]["extensions"]["field"] == "input.config.greeting"
    assert (await api.gql("utrecht", "{ tinyGreeting }", user=PRO)).ok() == {"tinyGreeting": "Hoi"}


async def test_a_change_of_config_keeps_the_settings_not_given(api: Api, world: World) -> None:
    """Changing one setting (configureModule, or enableModule on an enabled module) leaves
    the others as they were instead of silently returning them to their defaults."""
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greeting": "Goedemorgen", "max_notes": 7}}, user=ADMIN)).ok()
    configure = "mutation($config: JSON!) { configureModule(input: {key: \"tiny_notes\", config: $config}) { module { config } } }"
    changed = (await api.gql("utrecht", configure, {"config": {"max_notes": 8}}, user=ADMIN)).ok()
    assert changed["configureModule"]["module"]["config"] == {"greeting": "Goedemorgen", "max_notes": 8}
    again = (await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greeting": "Hoi"}}, user=ADMIN)).ok()
    assert again["enableModule"]["module"]["config"] == {"greeting": "Hoi", "max_notes": 8}
    refused = await api.gql("utrecht", configure, {"config": {"max_notes": 0}}, user=ADMIN)
    assert refused.codes == ["INVALID_CONFIG"] and refused.errors[0]["extensions"]["field"] == "input.config.maxNotes"
    assert (await module_state(api, "tiny_notes"))["config"] == {"greeting": "Hoi", "max_notes": 8}
    # Configured while off, then switched on with one setting: the other stays too.
    (await api.gql("utrecht", DISABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    (await api.gql("utrecht", configure, {"config": {"max_notes": 9}}, user=ADMIN)).ok()
    on = (await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greeting": "Dag"}}, user=ADMIN)).ok()
    assert on["enableModule"]["module"]["config"] == {"greeting": "Dag", "max_notes": 9}


async def test_dependencies(api: Api, world: World) -> None:
    missing = await api.gql("utrecht", ENABLE, {"key": "tiny_extra"}, user=ADMIN)
    assert missing.codes == ["MODULE_DEPENDENCY_MISSING"]
    assert missing.errors[0]["extensions"]["missing"] == ["tiny_notes"]
    assert (await module_state(api, "tiny_extra"))["enabled"] is False
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
    (await api.gql("utrecht", ENABLE, {"key": "tiny_extra"}, user=ADMIN)).ok()
    assert (await api.gql("utrecht", "{ tinyExtraPing }", user=PRO)).ok() == {"tinyExtraPing": "pong"}
    required = await api.gql("utrecht", DISABLE, {"key": "tiny_notes"}, user=ADMIN)
    assert required.codes == ["MODULE_REQUIRED_BY_OTHERS"]
    assert (await module_state(api, "tiny_notes"))["enabled"] is True


async def test_activation_change_reaches_another_app_instance(api: Api, world: World, platform: Platform) -> None:
    """Two replicas share one database: a change made through one is seen by the other on
    its next request (the cache is keyed by the tenant's modules_revision)."""
    other = Platform.create(platform.settings, extra_modules=[TINY_NOTES, TINY_EXTRA])
    try:
        from core.testing import execute

        before = await execute(other, "utrecht", "{ tinyNotes { text } }", user=PRO)
        assert before["errors"][0]["extensions"]["code"] == "MODULE_NOT_ENABLED"
        (await api.gql("utrecht", ENABLE, {"key": "tiny_notes"}, user=ADMIN)).ok()
        after = await execute(other, "utrecht", "{ tinyNotes { text } }", user=PRO)
        assert after == {"data": {"tinyNotes": []}}
    finally:
        await other.dispose()


async def test_module_list_shows_every_installed_module(api: Api, world: World) -> None:
    data = (await api.gql("utrecht", "{ tenant { modules { key name description version category dependsOn } } }", user=PRO)).ok()
    modules = {module["key"]: module for module in data["tenant"]["modules"]}
    assert set(modules) == {source.key for source in installed_module_sources()} | {"tiny_notes", "tiny_extra"}
    assert {"handvat1_zicht", "handvat2_signaleren", "handvat3_toegang", "handvat4_leren"} <= set(modules)
    assert modules["tiny_extra"]["dependsOn"] == ["tiny_notes"]
    assert modules["handvat3_toegang"]["name"] == "Bekendheid en toegankelijkheid van regelingen"


async def test_migrations_reached_every_branch(platform: Platform) -> None:
    heads = migrate.script_heads(platform.runtime)
    assert "tiny_0001" in heads and len([head for head in heads if head.startswith("core_")]) == 1
    assert migrate.pending_revisions(platform.runtime, await migrate.applied_heads(platform.engine)) == set()
    everything = migrate.pending_revisions(platform.runtime, set())
    assert {"core_0001", "tiny_0001"} | heads <= everything


async def test_module_configuration_is_for_module_managers_only(api: Api, world: World) -> None:
    (await api.gql("utrecht", ENABLE, {"key": "tiny_notes", "config": {"greeting": "Hoi"}}, user=ADMIN)).ok()
    response = await api.gql("utrecht", "{ tenant { modules { key enabled config enabledBy } } }", user=World.email("analyst", "utrecht"))
    tiny = next(module for module in response.data["tenant"]["modules"] if module["key"] == "tiny_notes")
    assert tiny == {"key": "tiny_notes", "enabled": True, "config": None, "enabledBy": None}
    assert set(response.codes) == {"FORBIDDEN"}


async def test_purge_forgets_the_modules_workflow_history_events_and_deliveries(api: Api, world: World, platform: Platform) -> None:
    """What `kansrijk module purge` does in every tenant after dropping the module's tables:
    the module's workflow history, its events (and core's transition events of its
    workflows), the deliveries of those and to its subscriber go; the rest stays."""
    import uuid

    from sqlalchemy import select

    from core.events import publish_event
    from core.models import EventDelivery, ModuleActivation, OutboxEvent, WorkflowHistory
    from core.services import modules as module_service
    from core.workflows import WORKFLOW_TRANSITIONED

    move = "mutation($id: ID!) { moveTinyNote(input: {id: $id, transition: \"publish\"}) { note { state } } }"
    other_workflow = {"workflow": "handvat2_signaleren.referral", "subject_id": "00000000-0000-0000-0000-000000000001"}
    for slug in ("utrecht", "s-hertogenbosch"):
        (await api.gql(slug, ENABLE, {"key": "tiny_notes"}, user=World.email("coalition_admin", slug))).ok()
        pro = World.email("professional", slug)
        note = (await api.gql(slug, 'mutation { addTinyNote(input: {text: "Weg"}) { note { id } } }', user=pro)).ok()["addTinyNote"]["note"]
        (await api.gql(slug, move, {"id": note["id"]}, user=pro)).ok()
        async with platform.work_as_system(slug, "test") as work:
            publish_event(work.session, "tiny_notes.note.added", {"explode": True})  # a failed delivery of its own event
            kept = publish_event(work.session, WORKFLOW_TRANSITIONED, {**other_workflow, "explode": True})  # its subscriber failed
            work.session.add(WorkflowHistory(workflow="handvat2_signaleren.referral", subject_id=uuid.UUID(other_workflow["subject_id"]), transition="versturen", from_state="concept", to_state="verstuurd"))
            await work.commit()
        async with platform.work_as_system(slug, "test") as work:
            work.session.add(EventDelivery(event_id=kept.id, subscriber="handvat3_toegang", status="dead", attempts=8))
            await work.commit()
            assert len((await work.session.execute(select(EventDelivery))).scalars().all()) == 3

    for slug in ("utrecht", "s-hertogenbosch"):  # as the CLI does, tenant by tenant
        async with platform.work_as_system(slug, "cli") as work:
            await module_service.forget_module(work, "tiny_notes")
            await work.commit()

    for slug in ("utrecht", "s-hertogenbosch"):
        async with platform.work_as_system(slug, "test") as work:
            history = (await work.session.execute(select(WorkflowHistory.workflow))).scalars().all()
            outbox = (await work.session.execute(select(OutboxEvent.type, OutboxEvent.payload))).all()
            deliveries = (await work.session.execute(select(EventDelivery.event_id, EventDelivery.subscriber))).all()
            activations = (await work.session.execute(select(ModuleActivation.module_key))).scalars().all()
        assert history == ["handvat2_signaleren.referral"], slug
        assert [(event_type, payload.get("workflow")) for event_type, payload in outbox] == [(WORKFLOW_TRANSITIONED, "handvat2_signaleren.referral")]
        assert [subscriber for _event_id, subscriber in deliveries] == ["handvat3_toegang"]
        assert "tiny_notes" not in activations
