"""The per-gemeente configuration of handvat 2 (a coalition admin sets it when enabling the
module or later)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from plugins.handvat2_signaleren.domain import FACTOR_KINDS, shipped_content


class GuideContent(BaseModel):
    intro: str = Field(min_length=1, max_length=1000)
    questions: list[str] = Field(min_length=1, max_length=12)
    tips: list[str] = Field(default_factory=list, max_length=12)
    avoid: list[str] = Field(default_factory=list, max_length=12)


class FactorItem(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    label: str = Field(min_length=2, max_length=200)
    kind: str | None = Field(default=None, pattern=rf"^({'|'.join(FACTOR_KINDS)})$")


class Config(BaseModel):
    """Per gemeente (a coalition admin sets it when enabling the module or later)."""

    response_days: int = Field(default=5, ge=1, le=30, description="Werkdagen waarin een organisatie op een verwijzing reageert.")
    retention_months: int = Field(default=12, ge=1, le=120, description="Maanden na het afsluiten waarna een gezin wordt geanonimiseerd.")
    min_cell_size: int = Field(default=10, ge=5, le=100, description="Kleinste aantal dat in de cijfers wordt getoond.")
    several_risk_factors: int = Field(default=3, ge=2, le=10, description="Vanaf zoveel risicofactoren (zonder voldoende bescherming): D.")
    guides: dict[str, GuideContent] = Field(default_factory=dict, description="Eigen gesprekshulp per zorg (anders de meegeleverde).")
    risk_factors: list[FactorItem] | None = Field(default=None, description="Eigen lijst met risicofactoren (anders de meegeleverde).")
    protective_factors: list[FactorItem] | None = Field(default=None, description="Eigen lijst met beschermende factoren.")

    @field_validator("guides")
    @classmethod
    def _known_worries(cls, guides: dict[str, GuideContent]) -> dict[str, GuideContent]:
        known = {worry["key"] for worry in shipped_content()["worries"]}
        unknown = sorted(set(guides) - known)
        if unknown:
            raise ValueError(f"onbekende zorg: {', '.join(unknown)} (bekend: {', '.join(sorted(known))})")
        return guides
