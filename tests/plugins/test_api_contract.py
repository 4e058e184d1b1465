"""The GraphQL contract of handvat 1, 2, 3 and 4, as a typed client generated from the SDL sees it:

- a value from a fixed set is an enum, never a String: every String left in the modules'
  types and arguments is listed here, with why (free text, an identifier, or what a
  gemeente configures), so a new String field fails until someone decides;
- type names carry no `Node` suffix, so connections are `<Type>Connection`;
- every list at the root is a Relay connection with `first` and `after`;
- every mutation takes one `input` (or nothing) and answers a `...Payload`.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, get_named_type

from core.platform import Platform
from plugins.handvat1_zicht.graphql import CONTRIBUTION as ZICHT
from plugins.handvat2_signaleren.graphql.mutations import SignalerenMutation
from plugins.handvat2_signaleren.graphql.queries import SignalerenQuery
from plugins.handvat3_toegang.graphql.mutations import ToegangMutation
from plugins.handvat3_toegang.graphql.queries import ToegangPublicQuery, ToegangQuery
from plugins.handvat4_leren.graphql import CONTRIBUTION as LEREN

#: Every String (or [String]) field, input field and argument of the two modules, and why it
#: is not an enum. Anything else that takes a String is an error of this test.
STRINGS = {
    # free text, names and labels
    **dict.fromkeys(
        [
            "ConversationGuide.intro", "ConversationGuide.questions", "ConversationGuide.tips", "ConversationGuide.avoid",
            "Worry.name", "Worry.description", "Factor.label", "ClassificationInfo.label", "SignaleringOptions.classificationRule",
            "SignaleringOptions.referralWorkflowMermaid", "Signal.organisation", "Signal.note", "Signal.classificationReason",
            "Consent.purpose", "Consent.organisations", "ReferralStep.reason", "Referral.fromOrganisation", "Referral.toOrganisation",
            "Referral.toContact", "Referral.note", "Referral.rejectionReason", "Referral.outcomeNote", "PlanItem.description",
            "Family.registeringOrganisation", "ReferralFeedback.message", "OverdueReferral.fromOrganisation",
            "OverdueReferral.toOrganisation", "FamilyDeletion.reason", "FamilyDeletion.performedBy",
            "RecordConsentInput.purpose", "RevokeConsentInput.note", "CreateReferralInput.note", "MoveReferralInput.reason",
            "AddPlanItemInput.description", "UpdatePlanItemInput.description", "EraseFamilyInput.reason", "RecordSignalInput.note",
            "RecordSignalInput.classificationReason",
            "HowToApply.steps", "HowToApply.url", "HowToApply.phone", "HowToApply.documents", "Condition.question", "Condition.met",
            "Condition.notMet", "TestVector.name", "Regeling.name", "Regeling.summary", "Regeling.description", "Regeling.costs",
            "Regeling.sourceUrl", "Regeling.providerName", "Regeling.tags", "PublicRegeling.name", "PublicRegeling.summary",
            "PublicRegeling.description", "PublicRegeling.costs", "PublicRegeling.sourceUrl", "PublicRegeling.providerName",
            "PublicRegeling.questions", "ConditionResult.question", "ConditionResult.explanation", "ParameterUsed.legalBasisUrl",
            "CheckResult.regelingName", "CheckResult.summary", "ToegangParameter.name", "ToegangParameter.legalBasisUrl",
            "TestVectorResult.name", "ServiceOffer.name", "ServiceOffer.description", "ServiceOffer.audience", "ServiceOffer.contact",
            "ServiceOffer.openingHours", "ServiceOffer.partnerName", "PublicServiceOffer.name", "PublicServiceOffer.description",
            "PublicServiceOffer.audience", "PublicServiceOffer.contact", "PublicServiceOffer.openingHours",
            "PublicServiceOffer.partnerName", "RegelingUsage.regelingName", "RegelingUsage.knownByPartners", "SearchHit.name",
            "SearchHit.summary", "RegelingPayload.warnings", "ConditionInput.question", "ConditionInput.met", "ConditionInput.notMet",
            "TestVectorInput.name", "RegelingInput.name", "RegelingInput.summary", "RegelingInput.description",
            "RegelingInput.providerName", "RegelingInput.applySteps", "RegelingInput.applyUrl", "RegelingInput.applyPhone",
            "RegelingInput.applyDocuments", "RegelingInput.costs", "RegelingInput.tags", "RegelingInput.sourceUrl",
            "SetParameterInput.legalBasisUrl", "ServiceInput.name", "ServiceInput.description", "ServiceInput.audience",
            "ServiceInput.contact", "ServiceInput.openingHours", "Query.toegangSearch(query)", "PublicQuery.search(query)",
        ],  # fmt: skip
        "free text",
    ),
    # the organisation's or editor's own identifiers and codes
    **dict.fromkeys(
        [
            "Family.localReference", "Family.initials", "RegisterFamilyInput.localReference", "RegisterFamilyInput.initials",
            "Condition.id", "ConditionInput.id", "ConditionResult.id", "Regeling.key", "Regeling.nationalKey", "PublicRegeling.key",
            "RegelingInput.key", "CheckResult.regelingKey", "TestVectorResult.regelingKey", "RegelingUsage.regelingKey", "SearchHit.key",
            "PublicQuery.regeling(key)",
        ],  # fmt: skip
        "an identifier",
    ),
    # what a gemeente configures
    **dict.fromkeys(
        [
            "Factor.key", "Signal.riskFactors", "Signal.protectiveFactors", "RecordSignalInput.riskFactors",
            "RecordSignalInput.protectiveFactors", "Family.wijk", "RegisterFamilyInput.wijkCode", "UpdateFamilyInput.wijkCode",
            "WorryFigureCell.wijk", "ClassificationFigureCell.wijk", "ServiceOffer.wijkCodes", "PublicServiceOffer.wijkCodes",
            "ServiceInput.wijkCodes", "Query.services(wijkCode)", "PublicQuery.services(wijkCode)",
        ],  # fmt: skip
        "configured by the gemeente",
    ),
    # months as JJJJ-MM: an open set
    **dict.fromkeys(
        [
            "Family.expectedMonth", "Family.birthMonth", "RegisterFamilyInput.expectedMonth", "RegisterFamilyInput.birthMonth",
            "UpdateFamilyInput.expectedMonth", "UpdateFamilyInput.birthMonth", "SignaleringFigures.periodFrom",
            "SignaleringFigures.periodTo", "Query.signaleringFigures(periodFrom)", "Query.signaleringFigures(periodTo)",
            "WorryFigureCell.month", "ClassificationFigureCell.month", "ReferralFigureCell.month",
        ],  # fmt: skip
        "a month",
    ),
    # the national seed's parameter keys: reference data rules name in their JSON, growing each year
    **dict.fromkeys(["ToegangParameter.key", "ParameterUsed.key", "SetParameterInput.key"], "a parameter of the national seed"),
    # a value of core's PartnerType, which core.plugin does not export as an enum (yet)
    "ReferralFigureCell.partnerType": "core's PartnerType",
    "StartfotoPartner.partnerType": "core's PartnerType",
    # handvat 1: the coalition's own words, names and texts from CBS and the catalogue
    **dict.fromkeys(
        [
            "Action.title", "Action.description", "Action.ownerName", "Action.partnerName", "ActionNote.note",
            "CreateActionInput.title", "CreateActionInput.description", "UpdateActionInput.title", "UpdateActionInput.description",
            "Goal.title", "Goal.description", "LinkedGoal.title", "CreateGoalInput.title", "CreateGoalInput.description",
            "UpdateGoalInput.title", "UpdateGoalInput.description", "RecordActionProgressInput.note",
            "Startfoto.title", "Startfoto.wentWell", "Startfoto.gaps", "Startfoto.ambitions", "Startfoto.voices",
            "CreateStartfotoInput.title", "CreateStartfotoInput.wentWell", "CreateStartfotoInput.gaps", "CreateStartfotoInput.ambitions",
            "CreateStartfotoInput.voices", "CreateVervolgfotoInput.title", "CreateVervolgfotoInput.wentWell", "CreateVervolgfotoInput.gaps",
            "CreateVervolgfotoInput.ambitions", "CreateVervolgfotoInput.voices", "UpdateStartfotoInput.title", "UpdateStartfotoInput.wentWell",
            "UpdateStartfotoInput.gaps", "UpdateStartfotoInput.ambitions", "UpdateStartfotoInput.voices",
            "StartfotoComparisonRow.indicatorName", "StartfotoComparisonRow.reason", "StartfotoComparisonRow.regionName",
            "StartfotoFigure.definition", "StartfotoFigure.indicatorName", "StartfotoFigure.regionName", "StartfotoFigure.sourceDescription",
            "StartfotoOfferItem.name", "StartfotoOfferItem.description", "StartfotoPartner.name",
            "VoiceSession.title", "VoiceSession.summary", "VoiceSession.themes", "RecordVoiceSessionInput.title",
            "RecordVoiceSessionInput.summary", "RecordVoiceSessionInput.themes", "Quote.text", "Quote.themes", "AddQuoteInput.text",
            "AddQuoteInput.themes", "Query.quotes(theme)",
            "ImportOwnIndicatorInput.name", "ImportOwnIndicatorInput.definition", "ImportOwnIndicatorInput.source", "ImportOwnIndicatorInput.csv",
            "Indicator.name", "Indicator.definition", "Indicator.breakNote", "Indicator.sourceDescription",
            "WijkFigure.definition", "WijkFigure.indicatorName", "WijkFigure.regionName", "MonitoringIndicator.name", "MonitoringRow.regionName",
            "PlatformFigure.name", "PlatformFigure.description",
        ],  # fmt: skip
        "free text (handvat 1)",
    ),
    # units as CBS or a coalition names them (aantal, %, per 1 000 inwoners, ...): an open set
    **dict.fromkeys(
        ["ImportOwnIndicatorInput.unit", "Indicator.unit", "MonitoringIndicator.unit", "StartfotoComparisonRow.unit", "StartfotoFigure.unit", "WijkFigure.unit"],
        "a unit",
    ),
    # indicator codes, CBS keys and table ids: the catalogue grows each year and a coalition adds its own indicators
    **dict.fromkeys(
        [
            "ImportOwnIndicatorInput.code", "Indicator.code", "IndicatorTable.cbsKey", "IndicatorTable.tableId", "MonitoringCbsValue.indicator",
            "MonitoringIndicator.code", "CreateGoalInput.indicator", "Goal.indicator", "StartfotoComparisonRow.indicator",
            "StartfotoFigure.indicator", "StartfotoFigure.cbsKey", "StartfotoFigure.tableId", "WijkFigure.cbsKey", "WijkFigure.indicator",
            "WijkFigure.tableId", "Query.wijkFigures(indicators)", "StartfotoOfferItem.code",
        ],  # fmt: skip
        "an indicator, CBS key or table",
    ),
    # the gemeente's own code and its wijk codes (CBS's, per gemeente)
    **dict.fromkeys(
        [
            "CreateGoalInput.regionCode", "Goal.regionCode", "MonitoringRow.regionCode", "StartfotoComparisonRow.regionCode",
            "StartfotoFigure.regionCode", "WijkFigure.regionCode", "Query.wijkFigures(wijkCodes)",
        ],  # fmt: skip
        "a region code of the gemeente",
    ),
    # handvat 4: the coalition's own words, names, links, and what people write in the library
    **dict.fromkeys(
        [
            "ActivityCompetence.name", "ActivityRegistration.memberName", "AddCompetenceInput.description",
            "AddCompetenceInput.name", "AddExperienceNoteInput.text", "AdoptPracticeExamplePayload.message",
            "AdoptedPracticeExample.gemeenteName", "AdoptedPracticeExample.title", "Competence.description", "Competence.name",
            "CompetenceDeclaration.evidence", "CompetenceDeclaration.memberName", "CompetenceDeclaration.partnerName",
            "CompetenceDeclaration.rejectionReason", "CoverageGroup.name", "CreateLearningActivityInput.description",
            "CreateLearningActivityInput.onlineUrl", "CreateLearningActivityInput.place", "CreateLearningActivityInput.title",
            "CreatePracticeExampleInput.approach", "CreatePracticeExampleInput.contact", "CreatePracticeExampleInput.costs",
            "CreatePracticeExampleInput.expertsRole", "CreatePracticeExampleInput.partnersInvolved",
            "CreatePracticeExampleInput.practiceGemeente", "CreatePracticeExampleInput.preconditions",
            "CreatePracticeExampleInput.problem", "CreatePracticeExampleInput.results", "CreatePracticeExampleInput.source",
            "CreatePracticeExampleInput.targetGroup", "CreatePracticeExampleInput.title",
            "CreatePracticeExampleInput.whatDidNotWork", "CreatePracticeExampleInput.whatWorked",
            "DeclareCompetenceInput.evidence", "ExperienceNote.gemeenteName", "ExperienceNote.text",
            "LearningActivity.description", "LearningActivity.onlineUrl", "LearningActivity.organiserName",
            "LearningActivity.place", "LearningActivity.title", "PracticeAdoption.gemeenteName", "PracticeExample.gemeenteName",
            "PracticeExampleStep.actor", "PracticeExampleStep.reason", "PracticeIntervention.databaseName",
            "PracticeIntervention.erkenningsniveauName", "PracticeIntervention.name", "PracticeIntervention.url",
            "PracticeInterventionInput.name", "PracticeInterventionInput.url", "PracticeVersion.approach",
            "PracticeVersion.contact", "PracticeVersion.costs", "PracticeVersion.expertsRole",
            "PracticeVersion.partnersInvolved", "PracticeVersion.practiceGemeente", "PracticeVersion.preconditions",
            "PracticeVersion.problem", "PracticeVersion.results", "PracticeVersion.source", "PracticeVersion.targetGroup",
            "PracticeVersion.title", "PracticeVersion.whatDidNotWork", "PracticeVersion.whatWorked",
            "Query.practiceLibrary(search)", "RejectCompetenceInput.reason", "ReturnPracticeExampleInput.reason",
            "UpdateCompetenceInput.description", "UpdateCompetenceInput.name", "UpdateLearningActivityInput.description",
            "UpdateLearningActivityInput.onlineUrl", "UpdateLearningActivityInput.place", "UpdateLearningActivityInput.title",
            "UpdatePracticeExampleInput.approach", "UpdatePracticeExampleInput.contact", "UpdatePracticeExampleInput.costs",
            "UpdatePracticeExampleInput.expertsRole", "UpdatePracticeExampleInput.partnersInvolved",
            "UpdatePracticeExampleInput.practiceGemeente", "UpdatePracticeExampleInput.preconditions",
            "UpdatePracticeExampleInput.problem", "UpdatePracticeExampleInput.results", "UpdatePracticeExampleInput.source",
            "UpdatePracticeExampleInput.targetGroup", "UpdatePracticeExampleInput.title",
            "UpdatePracticeExampleInput.whatDidNotWork", "UpdatePracticeExampleInput.whatWorked",
            "WithdrawPracticeExampleInput.reason",
        ],  # fmt: skip
        "free text (handvat 4)",
    ),
    # the keys of the coalition's competence framework: each coalition adds its own
    **dict.fromkeys(
        [
            "ActivityCompetence.key", "AddCompetenceInput.key", "Competence.key", "CompetenceDeclaration.competenceKey",
            "CreateLearningActivityInput.competenceKeys", "DeclareCompetenceInput.competenceKey",
            "LearningActivity.competenceKeys", "LearningActivityFilter.competenceKey", "UpdateCompetenceInput.key",
            "UpdateLearningActivityInput.competenceKeys",
        ],  # fmt: skip
        "a competence the gemeente configures",
    ),
    # quarters as JJJJ-Kn: an open set
    **dict.fromkeys(["CoverageQuarter.quarter", "QuarterCompetenceCoverage.quarter"], "a quarter"),
    # keys of other modules' things: depend on the modules installed (third parties too)
    **dict.fromkeys(
        [
            "Action.proposedByModule", "Action.reference", "PlatformFigure.key", "PlatformFigure.module", "MonitoringPlatformValue.figure",
            "WijkMonitoring.availableSources", "StartfotoOfferItem.kind",
        ],  # fmt: skip
        "another module's key",
    ),
}

#: Fields that must be (lists of) these enums.
ENUMS = {
    "Family.phase": "FamilyPhase", "Family.status": "FamilyStatus", "Signal.worries": "WorryType",
    "Signal.classification": "Classification", "Signal.suggestedClassification": "Classification", "Consent.method": "ConsentMethod",
    "Referral.state": "ReferralState", "Referral.outcome": "ReferralOutcome", "Referral.support": "SupportType",
    "Referral.allowedTransitions": "ReferralTransition", "ReferralStep.transition": "ReferralTransition",
    "ReferralStep.fromState": "ReferralState", "ReferralStep.toState": "ReferralState", "ReferralFeedback.transition": "ReferralTransition",
    "PlanItem.domain": "PlanDomain", "PlanItem.status": "PlanStatus", "FamilyDeletion.action": "FamilyDeletionAction",
    "Factor.kind": "FactorKind", "Worry.key": "WorryType", "ClassificationInfo.code": "Classification",
    "SignaleringOptions.supportTypes": "SupportType", "SignaleringOptions.planDomains": "PlanDomain",
    "SignaleringOptions.referralStates": "ReferralState", "SignalPayload.suggestedClassification": "Classification",
    "WorryFigureCell.worry": "WorryType", "ClassificationFigureCell.classification": "Classification",
    "ReferralFigureCell.state": "ReferralState", "ReferralFigureCell.outcome": "ReferralOutcome",
    "MoveReferralInput.transition": "ReferralTransition", "RecordSignalInput.worries": "WorryType",
    "Query.families(status)": "FamilyStatus", "Query.referrals(state)": "ReferralState",
    "ConditionResult.status": "ConditionStatus", "ConditionResult.missingFacts": "HouseholdFact", "CheckResult.outcome": "EligibilityOutcome",
    "CheckResult.missingFacts": "HouseholdFact", "Condition.facts": "HouseholdFact", "HouseholdProfileInput.householdType": "HouseholdType",
    "Regeling.category": "RegelingCategory", "Regeling.level": "RegelingLevel", "PublicRegeling.category": "RegelingCategory",
    "RegelingInput.category": "RegelingCategory", "RegelingInput.level": "RegelingLevel", "TestVector.expected": "EligibilityOutcome",
    "TestVectorInput.expected": "EligibilityOutcome", "TestVectorResult.expected": "EligibilityOutcome",
    "TestVectorResult.actual": "EligibilityOutcome", "SearchHit.kind": "SearchHitKind", "ToegangParameter.unit": "ParameterUnit",
    "Query.regelingen(category)": "RegelingCategory", "PublicQuery.regelingen(category)": "RegelingCategory",
    "WijkFigure.status": "FigureStatus", "WijkFigure.regionType": "RegionType", "WijkFigure.source": "IndicatorSource",
    "Indicator.source": "IndicatorSource", "MonitoringRow.regionType": "MonitoringRegionType", "Startfoto.kind": "StartfotoKind",
    "Startfoto.state": "StartfotoState", "StartfotoComparisonRow.gap": "ComparisonGap", "Action.status": "ActionStatus",
    "VoiceSession.groupKind": "VoiceGroupKind", "RecordVoiceSessionInput.groupKind": "VoiceGroupKind",
}  # fmt: skip

MODULE_QUERIES = (*ZICHT.query, SignalerenQuery, ToegangQuery, *LEREN.query)
MODULE_MUTATIONS = (*ZICHT.mutation, SignalerenMutation, ToegangMutation, *LEREN.mutation)


def graphql_names(platform: Platform, roots: tuple[type, ...]) -> set[str]:
    return {platform.schema.config.name_converter.get_graphql_name(item) for root in roots for item in root.__strawberry_definition__.fields}


def module_schema_strings(schema: GraphQLSchema, root: str, fields: set[str]) -> tuple[dict[str, str], set[str]]:
    """(place -> named type) of every field, input field and argument reachable from the
    module's root fields, and the names of the module's types reached."""
    found: dict[str, str] = {}
    types: set[str] = set()
    pending: list[Any] = []
    root_type = schema.get_type(root)
    assert isinstance(root_type, GraphQLObjectType)
    for name in fields:
        graphql_field = root_type.fields[name]
        for argument_name, argument in graphql_field.args.items():
            if argument_name == "after":  # a connection's cursor
                continue
            found[f"{root}.{name}({argument_name})"] = get_named_type(argument.type).name
            pending.append(get_named_type(argument.type))
        pending.append(get_named_type(graphql_field.type))
    while pending:
        current = pending.pop()
        if current.name in types or not isinstance(current, GraphQLObjectType | GraphQLInputObjectType):
            continue
        if current.name in ("PageInfo",) or current.name.endswith(("Connection", "Edge")):
            pending.extend(get_named_type(item.type) for item in current.fields.values())
            types.add(current.name)
            continue
        types.add(current.name)
        for field_name, item in current.fields.items():
            found[f"{current.name}.{field_name}"] = get_named_type(item.type).name
            pending.append(get_named_type(item.type))
    return found, types


@pytest.fixture(scope="module")
def places(platform: Platform) -> tuple[dict[str, str], set[str]]:
    tenant = platform.schema._schema  # noqa: SLF001 - the built schemas
    public = platform.public_schema._schema  # noqa: SLF001
    query, mutation = module_schema_strings(tenant, "Query", graphql_names(platform, MODULE_QUERIES)), module_schema_strings(
        tenant, "Mutation", graphql_names(platform, MODULE_MUTATIONS)
    )
    public_root = public.query_type.name
    public_fields = module_schema_strings(public, public_root, graphql_names(platform, (ToegangPublicQuery,)))
    found = {**query[0], **mutation[0], **{place.replace(f"{public_root}.", "PublicQuery.", 1): kind for place, kind in public_fields[0].items()}}
    return found, query[1] | mutation[1] | public_fields[1]


def test_every_string_of_the_modules_is_a_decision(places: tuple[dict[str, str], set[str]]) -> None:
    found, _types = places
    strings = {place for place, kind in found.items() if kind == "String"}
    assert strings - set(STRINGS) == set(), "a String where an enum may belong: decide, and list it in STRINGS with why"
    assert set(STRINGS) - strings == set(), "listed as String but no longer one: take it out of STRINGS"


def test_fixed_sets_are_enums_in_the_sdl(places: tuple[dict[str, str], set[str]], platform: Platform) -> None:
    found, _types = places
    assert {place: found.get(place) for place in ENUMS} == ENUMS
    schema = platform.schema._schema  # noqa: SLF001
    for name in set(ENUMS.values()):
        enum_type = schema.get_type(name) or platform.public_schema._schema.get_type(name)  # noqa: SLF001
        assert isinstance(enum_type, GraphQLEnumType), name
        assert enum_type.description and all(value.description for value in enum_type.values.values()), f"{name}: a Dutch description per member"
    sdl = platform.schema.as_str()
    assert "  phase: FamilyPhase!" in sdl and "  allowedTransitions: [ReferralTransition!]!" in sdl
    assert "families(status: FamilyStatus = null, first: Int = null, after: String = null): FamilyConnection" in sdl
    assert "MET, NOT_MET of UNKNOWN" not in sdl


def test_type_names_have_no_node_suffix_and_root_lists_are_connections(places: tuple[dict[str, str], set[str]], platform: Platform) -> None:
    _found, types = places
    assert not [name for name in types if name.endswith("Node") or "NodeConnection" in name or "NodeEdge" in name]
    for schema, root, fields in (
        (platform.schema._schema, "Query", graphql_names(platform, MODULE_QUERIES)),  # noqa: SLF001
        (platform.public_schema._schema, platform.public_schema._schema.query_type.name, graphql_names(platform, (ToegangPublicQuery,))),  # noqa: SLF001
    ):
        root_type = schema.get_type(root)
        for name in fields:
            graphql_field = root_type.fields[name]
            returned = graphql_field.type.of_type if isinstance(graphql_field.type, GraphQLNonNull) else graphql_field.type
            assert not isinstance(returned, GraphQLList), f"{root}.{name} is a plain list"
            if returned.name.endswith("Connection"):
                node = get_named_type(returned.fields["nodes"].type).name
                assert returned.name == f"{node}Connection", returned.name
                assert get_named_type(returned.fields["edges"].type).name == f"{node}Edge"
                assert {"first", "after"} <= set(graphql_field.args), f"{root}.{name} pages with first and after"
                assert {"pageInfo", "totalCount"} <= set(returned.fields)


def test_every_mutation_takes_one_input_and_answers_a_payload(platform: Platform) -> None:
    mutation = platform.schema._schema.mutation_type  # noqa: SLF001
    for name in graphql_names(platform, MODULE_MUTATIONS):
        graphql_field = mutation.fields[name]
        assert list(graphql_field.args) in (["input"], []), (name, list(graphql_field.args))
        if graphql_field.args:
            assert isinstance(graphql_field.args["input"].type, GraphQLNonNull) and isinstance(get_named_type(graphql_field.args["input"].type), GraphQLInputObjectType)
        assert get_named_type(graphql_field.type).name.endswith("Payload"), (name, graphql_field.type)
    assert [name for name in graphql_names(platform, MODULE_MUTATIONS) if not mutation.fields[name].args] == ["syncNationalCatalogue"]
