"""Partners, members and wijken through GraphQL: create, update, deactivate, list, errors."""

from __future__ import annotations

import pytest

from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")

CREATE_PARTNER = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) { partner { id name domain type email website active } }
}"""
UPDATE_PARTNER = """
mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { partner { id name phone active } } }"""
PARTNERS = """
query($first: Int, $after: String, $filter: PartnerFilter) {
  partners(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name active } }
  }
}"""


async def create_partner(api: Api, name: str, *, slug: str = "utrecht", user: str = ADMIN, **extra: str) -> dict:
    variables = {"input": {"name": name, "domain": "SOCIAAL", "type": "WIJKTEAM", **extra}}
    return (await api.gql(slug, CREATE_PARTNER, variables, user=user)).ok()["createPartner"]["partner"]


async def count_partners(api: Api, slug: str = "utrecht") -> int:
    data = (await api.gql(slug, PARTNERS, user=World.email("coalition_admin", slug))).ok()
    return data["partners"]["totalCount"]


async def test_partner_lifecycle(api: Api, world: World) -> None:
    partner = await create_partner(api, "Buurtteam Oost", email="INFO@buurtteam.example", website="https://buurtteam.example")
    assert partner["domain"] == "SOCIAAL" and partner["active"] is True
    assert partner["email"] == "info@buurtteam.example"  # normalised
    updated = (
        await api.gql("utrecht", UPDATE_PARTNER, {"input": {"id": partner["id"], "phone": "030 123 4567"}}, user=ADMIN)
    ).ok()["updatePartner"]["partner"]
    assert updated["name"] == "Buurtteam Oost" and updated["phone"] == "030 123 4567"
    deactivated = (
        await api.gql(
            "utrecht", "mutation($id: ID!) { deactivatePartner(input: {id: $id}) { partner { active } } }", {"id": partner["id"]}, user=ADMIN
        )
    ).ok()
    assert deactivated["deactivatePartner"]["partner"]["active"] is False
    inactive = (await api.gql("utrecht", PARTNERS, {"filter": {"active": False}}, user=PRO)).ok()
    assert [edge["node"]["name"] for edge in inactive["partners"]["edges"]] == ["Buurtteam Oost"]


@pytest.mark.parametrize(
    ("input_", "code", "field"),
    [
        ({"name": "  ", "domain": "SOCIAAL", "type": "WIJKTEAM"}, "VALIDATION_FAILED", "input.name"),
        ({"name": "X" * 201, "domain": "SOCIAAL", "type": "WIJKTEAM"}, "VALIDATION_FAILED", "input.name"),
        ({"name": "Twee\nregels", "domain": "SOCIAAL", "type": "WIJKTEAM"}, "VALIDATION_FAILED", "input.name"),
        ({"name": "A", "domain": "SOCIAAL", "type": "WIJKTEAM", "email": "geen-mail"}, "VALIDATION_FAILED", "input.email"),
        ({"name": "A", "domain": "SOCIAAL", "type": "WIJKTEAM", "website": "ftp://x"}, "VALIDATION_FAILED", "input.website"),
        ({"name": "A", "domain": "SOCIAAL", "type": "WIJKTEAM", "phone": "bel me"}, "VALIDATION_FAILED", "input.phone"),
        ({"name": "A", "domain": "NOPE", "type": "WIJKTEAM"}, "GRAPHQL_VALIDATION_FAILED", None),
    ],
)
async def test_create_partner_rejects_bad_input_and_writes_nothing(
    api: Api, world: World, input_: dict, code: str, field: str | None
) -> None:
    response = await api.gql("utrecht", CREATE_PARTNER, {"input": input_}, user=ADMIN)
    assert response.codes == [code]
    if field:
        assert response.errors[0]["extensions"]["field"] == field
        assert response.data == {"createPartner": None}  # the refused mutation is null, with its error
    assert await count_partners(api) == 0


async def test_partner_name_unique_per_tenant_only(api: Api, world: World) -> None:
    await create_partner(api, "Voedselbank")
    duplicate = await api.gql("utrecht", CREATE_PARTNER, {"input": {"name": "voedselbank", "domain": "INFORMEEL", "type": "VOEDSELBANK"}}, user=ADMIN)
    assert duplicate.codes == ["CONFLICT"] and duplicate.errors[0]["extensions"]["field"] == "input.name"
    # The same name in another gemeente is fine and reveals nothing.
    await create_partner(api, "Voedselbank", slug="s-hertogenbosch", user=World.email("coalition_admin", "s-hertogenbosch"))
    assert await count_partners(api) == 1


async def test_only_admin_manages_partners(api: Api, world: World) -> None:
    for role in ("professional", "partner_worker", "analyst", "experience_expert", "privacy_officer"):
        response = await api.gql(
            "utrecht", CREATE_PARTNER, {"input": {"name": "X", "domain": "SOCIAAL", "type": "WIJKTEAM"}}, user=World.email(role, "utrecht")
        )
        assert response.codes == ["FORBIDDEN"], role
    assert await count_partners(api) == 0


async def test_pagination(api: Api, world: World) -> None:
    for index in range(7):
        await create_partner(api, f"Partner {index:02d}")
    names: list[str] = []
    after = None
    while True:
        page = (await api.gql("utrecht", PARTNERS, {"first": 3, "after": after}, user=PRO)).ok()["partners"]
        assert page["totalCount"] == 7
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert names == [f"Partner {index:02d}" for index in range(7)]
    too_big = await api.gql("utrecht", PARTNERS, {"first": 1000}, user=PRO)
    assert too_big.codes == ["VALIDATION_FAILED"] and too_big.errors[0]["extensions"]["field"] == "first"
    bad_cursor = await api.gql("utrecht", PARTNERS, {"after": "bm9wZQ=="}, user=PRO)
    assert bad_cursor.codes == ["VALIDATION_FAILED"] and bad_cursor.errors[0]["extensions"]["field"] == "after"


async def test_edge_cursors_are_written_when_asked(api: Api, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyset page writes an edge's cursor only when the query asks for it (the page's
    first and last for `pageInfo`); asked for, each cursor continues the list after its
    edge, as `endCursor` does."""
    from core.graphql import pagination

    for index in range(5):
        await create_partner(api, f"Cursor {index:02d}")
    written: list[object] = []
    encode = pagination._encode
    monkeypatch.setattr(pagination, "_encode", lambda values: written.append(values) or encode(values))
    nodes_only = "{ partners(first: 5) { edges { node { name } } } }"
    (await api.gql("utrecht", nodes_only, user=PRO)).ok()
    assert len(written) == 2  # the page's start and end cursors, not one per edge
    page = (await api.gql("utrecht", PARTNERS, {"first": 5}, user=PRO)).ok()["partners"]
    cursors = [edge["cursor"] for edge in page["edges"]]
    assert len(set(cursors)) == 5 and cursors[-1] == page["pageInfo"]["endCursor"]
    after_second = (await api.gql("utrecht", PARTNERS, {"first": 1, "after": cursors[1]}, user=PRO)).ok()["partners"]
    assert after_second["edges"][0]["node"]["name"] == page["edges"][2]["node"]["name"]


async def test_partner_filters(api: Api, world: World) -> None:
    await create_partner(api, "Buurtteam Zuid")
    variables = {"input": {"name": "Verloskundigen Noord", "domain": "MEDISCH", "type": "VERLOSKUNDIGE"}}
    (await api.gql("utrecht", CREATE_PARTNER, variables, user=ADMIN)).ok()
    by_domain = (await api.gql("utrecht", PARTNERS, {"filter": {"domain": "MEDISCH"}}, user=PRO)).ok()
    assert [edge["node"]["name"] for edge in by_domain["partners"]["edges"]] == ["Verloskundigen Noord"]
    by_search = (await api.gql("utrecht", PARTNERS, {"filter": {"search": "zuid"}}, user=PRO)).ok()
    assert [edge["node"]["name"] for edge in by_search["partners"]["edges"]] == ["Buurtteam Zuid"]


MEMBERS = "query($filter: MemberFilter) { members(filter: $filter) { totalCount nodes { email roles partner { name } } } }"
CREATE_MEMBER = "mutation($input: CreateMemberInput!) { createMember(input: $input) { member { id email roles active partner { name } } } }"
UPDATE_MEMBER = "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { member { id roles active jobTitle } } }"


async def test_member_lifecycle(api: Api, world: World) -> None:
    partner = await create_partner(api, "JGZ Utrecht")
    created = (
        await api.gql(
            "utrecht",
            CREATE_MEMBER,
            {"input": {"email": "Nieuw@JGZ.example", "displayName": "Nieuwe Collega", "roles": ["PROFESSIONAL"], "partnerId": partner["id"]}},
            user=ADMIN,
        )
    ).ok()["createMember"]["member"]
    assert created["email"] == "nieuw@jgz.example" and created["partner"] == {"name": "JGZ Utrecht"}
    # The new member can log in to this tenant now.
    me = (await api.gql("utrecht", "{ me { subject roles member { displayName } } }", user="nieuw@jgz.example")).ok()
    assert me["me"] == {"subject": "nieuw@jgz.example", "roles": ["PROFESSIONAL"], "member": {"displayName": "Nieuwe Collega"}}
    # ... but not to another tenant.
    other = await api.gql("s-hertogenbosch", "{ tenant { name } }", user="nieuw@jgz.example")
    assert other.status == 403 and other.codes == ["NOT_A_MEMBER"]
    updated = (
        await api.gql("utrecht", UPDATE_MEMBER, {"input": {"id": created["id"], "roles": ["PROFESSIONAL", "ANALYST"], "jobTitle": "JGZ-arts"}}, user=ADMIN)
    ).ok()["updateMember"]["member"]
    assert updated["roles"] == ["ANALYST", "PROFESSIONAL"] and updated["jobTitle"] == "JGZ-arts"
    admins = (await api.gql("utrecht", MEMBERS, {"filter": {"role": "ANALYST"}}, user=ADMIN)).ok()
    assert sorted(node["email"] for node in admins["members"]["nodes"]) == ["analyst@utrecht.example", "nieuw@jgz.example"]
    (await api.gql("utrecht", "mutation($id: ID!) { deactivateMember(input: {id: $id}) { member { active } } }", {"id": created["id"]}, user=ADMIN)).ok()
    gone = await api.gql("utrecht", "{ me { subject } }", user="nieuw@jgz.example")
    assert gone.status == 403 and gone.codes == ["NOT_A_MEMBER"]


async def test_one_person_in_two_tenants(api: Api, world: World) -> None:
    for slug in ("utrecht", "s-hertogenbosch"):
        variables = {"input": {"email": "regio@jgz.example", "displayName": f"Hanna ({slug})", "roles": ["PROFESSIONAL"]}}
        (await api.gql(slug, CREATE_MEMBER, variables, user=World.email("coalition_admin", slug))).ok()
    for slug in ("utrecht", "s-hertogenbosch"):
        me = (await api.gql(slug, "{ me { member { displayName } } }", user="regio@jgz.example")).ok()
        assert me["me"]["member"]["displayName"] == f"Hanna ({slug})"


@pytest.mark.parametrize(
    ("input_", "code", "field"),
    [
        ({"email": "x", "displayName": "X", "roles": ["PROFESSIONAL"]}, "VALIDATION_FAILED", "input.email"),
        ({"email": "x@y.example", "displayName": "X", "roles": []}, "VALIDATION_FAILED", "input.roles"),
        ({"email": "x@y.example", "displayName": "X", "roles": ["KONING"]}, "GRAPHQL_VALIDATION_FAILED", None),
        ({"email": "x@y.example", "displayName": "X", "roles": ["PLATFORM_OPERATOR"]}, "VALIDATION_FAILED", "input.roles"),
        ({"email": "x@y.example", "displayName": "X", "roles": ["ANALYST"], "partnerId": "nope"}, "VALIDATION_FAILED", "input.partnerId"),
        (
            {"email": "x@y.example", "displayName": "X", "roles": ["ANALYST"], "partnerId": "00000000-0000-0000-0000-000000000000"},
            "NOT_FOUND",
            "input.partnerId",
        ),
        ({"email": "analyst@utrecht.example", "displayName": "X", "roles": ["ANALYST"]}, "CONFLICT", "input.email"),
    ],
)
async def test_create_member_rejects_bad_input(api: Api, world: World, input_: dict, code: str, field: str) -> None:
    before = (await api.gql("utrecht", MEMBERS, user=ADMIN)).ok()["members"]["totalCount"]
    response = await api.gql("utrecht", CREATE_MEMBER, {"input": input_}, user=ADMIN)
    assert response.codes == [code]
    assert response.errors[0]["extensions"].get("field") == field
    assert (await api.gql("utrecht", MEMBERS, user=ADMIN)).ok()["members"]["totalCount"] == before


async def test_member_of_inactive_partner_refused(api: Api, world: World) -> None:
    partner = await create_partner(api, "Oud Wijkteam")
    await api.gql("utrecht", "mutation($id: ID!) { deactivatePartner(input: {id: $id}) { partner { id } } }", {"id": partner["id"]}, user=ADMIN)
    response = await api.gql(
        "utrecht", CREATE_MEMBER, {"input": {"email": "a@b.example", "displayName": "A", "roles": ["ANALYST"], "partnerId": partner["id"]}}, user=ADMIN
    )
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.partnerId"


async def test_last_admin_cannot_be_removed(api: Api, world: World) -> None:
    me = (await api.gql("utrecht", "{ me { member { id } } }", user=ADMIN)).ok()
    member_id = me["me"]["member"]["id"]
    demote = await api.gql("utrecht", UPDATE_MEMBER, {"input": {"id": member_id, "roles": ["ANALYST"]}}, user=ADMIN)
    assert demote.codes == ["VALIDATION_FAILED"]
    deactivate = await api.gql("utrecht", "mutation($id: ID!) { deactivateMember(input: {id: $id}) { member { id } } }", {"id": member_id}, user=ADMIN)
    assert deactivate.codes == ["VALIDATION_FAILED"]
    assert (await api.gql("utrecht", "{ me { roles } }", user=ADMIN)).ok()["me"]["roles"] == ["COALITION_ADMIN"]


WIJKEN = "query($filter: WijkFilter) { wijken(filter: $filter) { totalCount nodes { id code name active } } }"
CREATE_WIJK = "mutation($input: CreateWijkInput!) { createWijk(input: $input) { wijk { id code name } } }"
IMPORT = "mutation($csv: String!) { importWijken(input: {csv: $csv}) { created updated unchanged wijken { code name } } }"


async def wijk_codes(api: Api, slug: str = "utrecht") -> list[str]:
    data = (await api.gql(slug, WIJKEN, user=World.email("analyst", slug))).ok()
    return [node["code"] for node in data["wijken"]["nodes"]]


async def test_wijk_create_and_validation(api: Api, world: World) -> None:
    created = (await api.gql("utrecht", CREATE_WIJK, {"input": {"code": "wk034403", "name": "Overvecht"}}, user=ADMIN)).ok()
    assert created["createWijk"]["wijk"]["code"] == "WK034403"
    for code, expected in (("WK03440", "VALIDATION_FAILED"), ("BU03440301", "VALIDATION_FAILED"), ("WK079601", "VALIDATION_FAILED"), ("WK034403", "CONFLICT")):
        response = await api.gql("utrecht", CREATE_WIJK, {"input": {"code": code, "name": "X"}}, user=ADMIN)
        assert response.codes == [expected], code
        assert response.errors[0]["extensions"]["field"] == "input.code"
    # A wijkcode names its gemeente: 's-Hertogenbosch may add WK079601, Utrecht may not.
    bosch = await api.gql("s-hertogenbosch", CREATE_WIJK, {"input": {"code": "WK079601", "name": "Binnenstad"}}, user=World.email("coalition_admin", "s-hertogenbosch"))
    assert bosch.ok()["createWijk"]["wijk"]["code"] == "WK079601"
    assert await wijk_codes(api) == ["WK034403"]
    wijk_id = created["createWijk"]["wijk"]["id"]
    renamed = (await api.gql("utrecht", "mutation($id: ID!) { updateWijk(input: {id: $id, name: \"Overvecht-Noord\"}) { wijk { name } } }", {"id": wijk_id}, user=ADMIN)).ok()
    assert renamed["updateWijk"]["wijk"]["name"] == "Overvecht-Noord"


async def test_wijken_csv_import(api: Api, world: World) -> None:
    csv = "wijkcode;naam\nWK034401;West\nWK034402;Noordwest\n"
    first = (await api.gql("utrecht", IMPORT, {"csv": csv}, user=ADMIN)).ok()["importWijken"]
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    again = (await api.gql("utrecht", IMPORT, {"csv": "\ufeffwijkcode,naam\nWK034401,West\nWK034402,Noord-West\nWK034403,Overvecht\n"}, user=ADMIN)).ok()["importWijken"]
    assert (again["created"], again["updated"], again["unchanged"]) == (1, 1, 1)
    assert await wijk_codes(api) == ["WK034401", "WK034402", "WK034403"]


@pytest.mark.parametrize(
    "csv",
    [
        "",
        "code;omschrijving\nWK034401;West\n",
        "wijkcode,naam\nWK034401,West\nWK079601,Binnenstad\n",  # second row belongs to another gemeente
        "wijkcode,naam\nWK034401,West\nWK034401,West bis\n",  # duplicate in the file
        "wijkcode,naam\nWK034401,\n",  # missing name
        "wijkcode,naam\nWK12,West\n",
    ],
)
async def test_wijken_csv_import_is_all_or_nothing(api: Api, world: World, csv: str) -> None:
    response = await api.gql("utrecht", IMPORT, {"csv": csv}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"]
    assert response.errors[0]["extensions"]["field"] == "input.csv"
    assert await wijk_codes(api) == []


async def test_wijken_csv_import_names_each_bad_line(api: Api, world: World) -> None:
    response = await api.gql("utrecht", IMPORT, {"csv": "wijkcode,naam\nWK034401,West\nWK079601,Elders\nXX,Y\n"}, user=ADMIN)
    problems = response.errors[0]["extensions"]["errors"]
    assert [problem["line"] for problem in problems] == [3, 4]
    assert response.errors[0]["message"].startswith("Regel 3:")


async def test_lookup_by_unknown_or_malformed_id(api: Api, world: World) -> None:
    for field in ("partner", "member", "wijk"):
        missing = await api.gql("utrecht", f'{{ {field}(id: "00000000-0000-0000-0000-000000000001") {{ id }} }}', user=ADMIN)
        assert missing.codes == ["NOT_FOUND"], field
        malformed = await api.gql("utrecht", f'{{ {field}(id: "x") {{ id }} }}', user=ADMIN)
        assert malformed.codes == ["VALIDATION_FAILED"], field


async def test_null_for_a_required_field_in_an_update_is_a_dutch_validation_error(api: Api, world: World) -> None:
    partner = await create_partner(api, "Buurtteam West")
    response = await api.gql("utrecht", UPDATE_PARTNER, {"input": {"id": partner["id"], "name": None}}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.name"
    assert response.errors[0]["message"] == "Vul hier een tekst in."


async def test_each_mutation_of_a_document_reads_what_the_ones_before_it_wrote(api: Api, world: World) -> None:
    partner = await create_partner(api, "Buurtteam Noord")
    document = """
    mutation($p: ID!) {
      first: createMember(input: {email: "een@noord.example", displayName: "Een", roles: [PROFESSIONAL], partnerId: $p}) {
        member { partner { members { email } } }
      }
      second: createMember(input: {email: "twee@noord.example", displayName: "Twee", roles: [PROFESSIONAL], partnerId: $p}) {
        member { partner { members { email } } }
      }
    }"""
    data = (await api.gql("utrecht", document, {"p": partner["id"]}, user=ADMIN)).ok()
    # The partner's members were loaded (and batched) in the first mutation; the second sees both.
    assert [m["email"] for m in data["first"]["member"]["partner"]["members"]] == ["een@noord.example"]
    assert sorted(m["email"] for m in data["second"]["member"]["partner"]["members"]) == ["een@noord.example", "twee@noord.example"]
