"""Input types."""

import strawberry


@strawberry.input
class AddUitleenItemInput:
    name: str
