"""What Dutch public code carries: the licence text, a valid publiccode.yml (version 0.4 of
the standard, https://github.com/publiccodeyml/publiccode.yml), and SECURITY.md,
CONTRIBUTING.md and CHANGELOG.md with real content."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# The standard's controlled vocabularies (docs/standard/*.rst of publiccodeyml/publiccode.yml).
CATEGORIES = frozenset(
    """accounting agile-project-management applicant-tracking application-development
    appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence
    business-process-management cad call-center-management cloud-management collaboration
    communications compliance-management contact-management content-management crm
    customer-service-and-support data-analytics data-collection data-visualization design
    design-system digital-asset-management digital-citizenship document-management
    donor-management e-commerce e-signature educational-content email-management
    email-marketing employee-management enterprise-project-management
    enterprise-social-networking erp event-management facility-management
    feedback-and-reviews-management financial-reporting fleet-management fundraising
    gamification geographic-information-systems grant-management graphic-design help-desk hr
    ide identity-management instant-messaging inventory-management it-asset-management
    it-development it-management it-security it-service-management knowledge-management
    learning-management-system marketing mind-mapping mobile-marketing mobile-payment
    network-management office online-booking online-community payment-gateway payroll
    predictive-analysis procurement productivity-suite project-collaboration
    project-management property-management real-estate-management remote-support
    resource-management sales-management seo service-desk social-media-management survey
    talent-management task-management taxes-management test-management time-management
    time-tracking translation video-conferencing video-editing visitor-management voip
    warehouse-management web-collaboration web-conferencing website-builder whistleblowing
    workflow-management""".split()
)
SCOPES = frozenset(
    """agriculture culture defence education emergency-services employment energy environment
    finance-and-economic-development foreign-affairs healthcare infrastructures justice
    local-authorities manufacturing research science-and-technology security society sport
    tourism transportation welfare""".split()
)
DEVELOPMENT_STATUSES = frozenset({"concept", "development", "beta", "stable", "obsolete"})
SOFTWARE_TYPES = frozenset(
    {
        "standalone/mobile",
        "standalone/iot",
        "standalone/desktop",
        "standalone/web",
        "standalone/backend",
        "standalone/other",
        "addon",
        "library",
        "configurationFiles",
    }
)
MAINTENANCE_TYPES = frozenset({"internal", "contract", "community", "none"})

#: Every mandatory key of the standard (core), as a path into the document.
REQUIRED = (
    ("publiccodeYmlVersion",),
    ("name",),
    ("url",),
    ("platforms",),
    ("categories",),
    ("developmentStatus",),
    ("softwareType",),
    ("description",),
    ("description", "nl", "shortDescription"),
    ("description", "nl", "longDescription"),
    ("description", "nl", "features"),
    ("description", "en", "shortDescription"),
    ("description", "en", "longDescription"),
    ("description", "en", "features"),
    ("legal",),
    ("legal", "license"),
    ("maintenance",),
    ("maintenance", "type"),
    ("maintenance", "contacts"),
    ("localisation",),
    ("localisation", "localisationReady"),
    ("localisation", "availableLanguages"),
)


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def publiccode() -> Any:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def lookup(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, dict) or key not in document:
            return None
        document = document[key]
    return document


def problems(document: Any) -> list[str]:
    """What makes `document` an invalid publiccode.yml (0.4, core), or must differ for this
    project; empty when it is fine."""
    if not isinstance(document, dict):
        return ["not a mapping"]
    found = [f"missing: {'.'.join(path)}" for path in REQUIRED if lookup(document, path) in (None, "", [], {})]
    if document.get("publiccodeYmlVersion") != "0.4":
        found.append("publiccodeYmlVersion is not the string '0.4'")
    if not str(document.get("url", "")).startswith(("https://", "http://")):
        found.append("url is not a URL")
    platforms = document.get("platforms")
    if not isinstance(platforms, (list, str)) or not platforms:
        found.append("platforms is not a string or a list")
    categories = document.get("categories") or []
    if not isinstance(categories, list) or not set(categories) <= CATEGORIES:
        found.append(f"categories outside the vocabulary: {sorted(set(categories) - CATEGORIES)}")
    scopes = lookup(document, ("intendedAudience", "scope")) or []
    if not set(scopes) <= SCOPES:
        found.append(f"scopes outside the vocabulary: {sorted(set(scopes) - SCOPES)}")
    if document.get("developmentStatus") not in DEVELOPMENT_STATUSES:
        found.append("developmentStatus not allowed")
    if document.get("softwareType") not in SOFTWARE_TYPES:
        found.append("softwareType not allowed")
    for language, text in (document.get("description") or {}).items():
        if not isinstance(text, dict):
            found.append(f"description.{language} is not a mapping")
            continue
        if len(str(text.get("shortDescription") or "")) > 150:
            found.append(f"description.{language}.shortDescription longer than 150 characters")
        if not 150 <= len(str(text.get("longDescription") or "")) <= 10000:
            found.append(f"description.{language}.longDescription not 150-10000 characters")
        features = text.get("features")
        if not isinstance(features, list) or not all(isinstance(feature, str) and feature for feature in features):
            found.append(f"description.{language}.features is not a list of texts")
    maintenance = document.get("maintenance") or {}
    if maintenance.get("type") not in MAINTENANCE_TYPES:
        found.append("maintenance.type not allowed")
    contacts = maintenance.get("contacts") or []
    if not isinstance(contacts, list) or not all(isinstance(contact, dict) and contact.get("name") for contact in contacts):
        found.append("maintenance.contacts without a name")
    if not isinstance(lookup(document, ("localisation", "localisationReady")), bool):
        found.append("localisation.localisationReady is not a boolean")
    languages = lookup(document, ("localisation", "availableLanguages"))
    if not isinstance(languages, list) or not languages:
        found.append("localisation.availableLanguages is not a list of languages")
    return found


def test_pyproject_declares_the_eupl() -> None:
    assert pyproject()["project"]["license"] == "EUPL-1.2"


def test_licence_is_the_eupl_1_2_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "EUROPEAN UNION PUBLIC LICENCE v. 1.2"
    assert lines[1] == "EUPL © the European Union 2007, 2016"
    articles = (
        "1. Definitions",
        "2. Scope of the rights granted by the Licence",
        "3. Communication of the Source Code",
        "4. Limitations on copyright",
        "5. Obligations of the Licensee",
        "6. Chain of Authorship",
        "7. Disclaimer of Warranty",
        "8. Disclaimer of Liability",
        "9. Additional agreements",
        "10. Acceptance of the Licence",
        "11. Information to the public",
        "12. Termination of the Licence",
        "13. Miscellaneous",
        "14. Jurisdiction",
        "15. Applicable Law",
        "Appendix",
    )
    assert [line for line in lines if line in articles] == list(articles)
    assert lines[-1] == "EUPL version."
    assert len(text) > 13000  # the whole text, not a summary


def test_publiccode_yml_is_valid() -> None:
    document = publiccode()
    assert problems(document) == []
    assert document["name"] == "Kansrijke Start platform"
    assert document["legal"]["license"] == pyproject()["project"]["license"]
    assert document["developmentStatus"] == "development"
    assert document["softwareType"] == "standalone/backend"
    assert "web" in document["platforms"]


@pytest.mark.parametrize("path", REQUIRED, ids=".".join)
def test_publiccode_check_notices_a_missing_key(path: tuple[str, ...]) -> None:
    document = copy.deepcopy(publiccode())
    parent = lookup(document, path[:-1]) if len(path) > 1 else document
    del parent[path[-1]]
    assert f"missing: {'.'.join(path)}" in problems(document)


@pytest.mark.parametrize(
    ("name", "must_contain"),
    [
        ("SECURITY.md", ("## Reporting a vulnerability", "in scope", "out of scope", "docs/security.md")),
        ("CONTRIBUTING.md", ("uv run kansrijk serve --demo", "uv run pytest", "CI=true", "core.plugin", "CHANGELOG.md")),
        ("CHANGELOG.md", ("Keep a Changelog", "## [Unreleased]", "Plugin API 1.1")),
    ],
)
def test_repository_documents_exist_with_content(name: str, must_contain: tuple[str, ...]) -> None:
    path = ROOT / name
    assert path.is_file(), f"{name} is missing"
    text = path.read_text(encoding="utf-8")
    assert len(text) > 1500, f"{name} is too short to say anything"
    for phrase in must_contain:
        assert phrase in text, f"{name} does not mention {phrase!r}"
