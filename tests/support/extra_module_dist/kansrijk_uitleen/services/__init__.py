"""The aggregates: `items` (what the lending point holds)."""
