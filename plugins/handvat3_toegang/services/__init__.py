"""The domain logic of handvat 3, one file per aggregate; plain async functions over a
`Work` (or, for hooks, a session). All SQL and every rule live here, none in the GraphQL
layer.

- `rules`: eligibility as data: the parameter values rules read (national, with the
  gemeente's own), conditions compiled and checked, test vectors, earlier conditions.
- `check`: the explainable check of a household against the whole catalogue, its cached
  snapshot of each gemeente's catalogue (and the revision that invalidates it), the usage
  it counts in memory.
- `catalogue`: the gemeente's regelingen: its own and adapted ones, the national seed,
  visibility, order, what the public sees, search.
- `parameters`: the gemeente's own values of overridable parameters; every parameter on a
  reference date.
- `usage`: bekendheid and gebruik: members marking regelingen known, referrals, the
  overview of the gaps.
- `sociale_kaart`: the partner organisations' offers, per wijk.

Pure logic they share stays beside them in the package: `eligibility` (evaluating
conditions), `profile` (the household profile), `catalogue` (the national seed) and
`search` (the Dutch search index).
"""
