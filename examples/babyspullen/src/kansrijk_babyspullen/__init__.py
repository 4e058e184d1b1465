"""Stichting Babyspullen: a starter package for (expecting) parents with little money.

A professional of the coalition, with the family's consent to share with the foundation
(handvat 2's consent, asked through the `consent_to_share` hook), asks the foundation for a
starter package: the due date or the child's age, a clothing size, items from the
gemeente's list, pick-up or delivery. No name, no BSN; a delivery address only when the
package is delivered, wiped when the request closes. The foundation accepts or refuses,
puts the package ready, and records it picked up or delivered; each step is a history row,
an event and feedback to the requesting professional. Its volunteers, members of several
coalitions, see one inbox over all their gemeenten; a foundation without accounts answers
a step through a single-use link (core's step links).

A third party's module: it imports nothing of the platform but `core.plugin`.
"""

from core.plugin import Module, ModuleMeta

MODULE_KEY = "babyspullen"

module = Module(
    __name__,
    ModuleMeta(
        key=MODULE_KEY,
        name="Babyspullen",
        description="Een startpakket aanvragen bij Stichting Babyspullen voor (aanstaande) ouders met weinig geld.",
        category="aanvulling",
        plugin_api=">=1.5",
        depends_on=("handvat2_signaleren",),
    ),
)
