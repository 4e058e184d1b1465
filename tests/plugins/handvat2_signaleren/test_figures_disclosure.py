"""Handvat 2's figures with core's small-cell suppression: a hidden cell can no longer be
computed from a total and the other cells (complementary suppression, issue 11)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from plugins.handvat2_signaleren.figures import _cells
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import Coalition, Flow

ADMIN = World.email("coalition_admin", "utrecht")
ANALYST = World.email("analyst", "utrecht")
FIGURES = """{ signaleringFigures { threshold
  signalsByWorry { wijk month worry count suppressed } signalsByClassification { wijk month classification count suppressed } } }"""


async def figures(api: Api) -> dict[str, Any]:
    return (await api.gql("utrecht", FIGURES, user=ANALYST)).ok()["signaleringFigures"]


async def test_a_hidden_classification_cannot_be_computed_from_the_number_of_signals(api: Api, utrecht: Coalition, flow: Flow) -> None:
    """Six families, each signalled once with the worry 'geldzorgen': five classified C, one B.

    Before issue 11 only the B cell (one family) was hidden, while C showed 5 and the worry
    table showed 6 signals for the same wijk and month; every signal names that one worry, so
    B = 6 - 5 = 1: the hidden family was given away. Now C is hidden as well."""
    configure = 'mutation { configureModule(input: {key: "handvat2_signaleren", config: {min_cell_size: 5}}) { module { key } } }'
    (await api.gql("utrecht", configure, user=ADMIN)).ok()
    for index in range(6):
        family = await flow.register(f"VK-2026-{index:03d}")
        if index == 0:
            await flow.signal(family["id"], classification="B", classificationReason="Veel steun uit de omgeving")
        else:
            await flow.signal(family["id"])
    month = f"{dt.date.today():%Y-%m}"
    shown = await figures(api)
    assert shown["threshold"] == 5
    assert shown["signalsByWorry"] == [{"wijk": "onbekend", "month": month, "worry": "GELDZORGEN", "count": 6, "suppressed": False}]
    assert shown["signalsByClassification"] == [
        {"wijk": "onbekend", "month": month, "classification": "B", "count": None, "suppressed": True},
        {"wijk": "onbekend", "month": month, "classification": "C", "count": None, "suppressed": True},
    ]
    # The attack of before: the number of signals minus the shown classifications.
    hidden = [cell for cell in shown["signalsByClassification"] if cell["suppressed"]]
    assert len(hidden) != 1  # with two unknowns, 6 = B + C gives neither away

    # With five families in B as well, nothing needs hiding any more.
    for index in range(6, 10):
        family = await flow.register(f"VK-2026-{index:03d}")
        await flow.signal(family["id"], classification="B", classificationReason="Veel steun uit de omgeving")
    shown = await figures(api)
    assert [(cell["classification"], cell["count"]) for cell in shown["signalsByClassification"]] == [("B", 5), ("C", 5)]


def test_each_month_is_a_table_of_its_own_protected_against_its_totals() -> None:
    """Referrals per month: partner type x (state, outcome). One small cell in a month hides
    a rectangle of that month; the other month, with only large cells, is shown in full."""
    counter: Counter[tuple[str, ...]] = Counter()
    families: dict[tuple[str, ...], set[Any]] = {}

    def add(key: tuple[str, ...], how_many: int) -> None:
        counter[key] = how_many
        families[key] = {f"{key}-{index}" for index in range(how_many)}

    add(("2026-01", "schuldhulp", "geaccepteerd", ""), 12)
    add(("2026-01", "schuldhulp", "afgerond", "doel_bereikt"), 2)  # small
    add(("2026-01", "voedselbank", "geaccepteerd", ""), 7)
    add(("2026-01", "voedselbank", "afgerond", "doel_bereikt"), 9)
    add(("2026-02", "schuldhulp", "geaccepteerd", ""), 6)
    add(("2026-02", "voedselbank", "afgerond", "doel_bereikt"), 8)
    cells = _cells(counter, families, ("month", "partner_type", "state", "outcome"), 5, ((0,), (1,), (2, 3)))
    shown = {tuple(cell.dimensions.values()): cell.count for cell in cells}
    assert shown == {
        ("2026-01", "schuldhulp", "afgerond", "doel_bereikt"): None,  # 2 families
        ("2026-01", "schuldhulp", "geaccepteerd", ""): None,  # else the 2 = schuldhulp's 14 - 12
        ("2026-01", "voedselbank", "afgerond", "doel_bereikt"): None,  # else the 2 = afgerond's 11 - 9
        ("2026-01", "voedselbank", "geaccepteerd", ""): None,  # else the 12 = geaccepteerd's 19 - 7
        ("2026-02", "schuldhulp", "geaccepteerd", ""): 6,
        ("2026-02", "voedselbank", "afgerond", "doel_bereikt"): 8,
    }
    assert [tuple(cell.dimensions.values()) for cell in cells] == sorted(shown)  # in key order, as before
