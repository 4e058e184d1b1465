"""The GraphQL input types of handvat 1 (turned into data with `input_data`; the services
validate them)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Een eigen indicator per wijk, met de waarden als CSV.")
class ImportOwnIndicatorInput:
    code: str = strawberry.field(description="Korte code: kleine letters, cijfers en _ (bijvoorbeeld jgz_bereik).")
    name: str
    definition: str = strawberry.field(description="Wat de indicator meet, en hoe: verplicht.")
    source: str = strawberry.field(description="Waar de cijfers vandaan komen (organisatie, registratie).")
    unit: str = strawberry.field(description="De eenheid, bijvoorbeeld % of aantal.")
    period: int = strawberry.field(description="Het jaar waarover de waarden gaan.")
    csv: str = strawberry.field(
        description="De waarden: een kopregel 'wijkcode;waarde' en dan per regel een wijkcode van de gemeente (of de gemeentecode) en een getal, of '.' voor onbekend."
    )
