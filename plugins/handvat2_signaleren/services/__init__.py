"""The domain logic of handvat 2, one module per aggregate; plain async functions over a
`Work` (or, for the batch reads of the GraphQL loaders, over a session). All SQL, every
rule of who sees what, and every processing-log record of the module live here.

- `families`: registering, updating, closing a family; the families one may see.
- `signals`: signals with their A-D snapshot; the worries, guides and factors (content).
- `consent`: the parent's consent, and revoking it.
- `referrals`: warm referrals and their steps (the workflow in `workflows.py`), overdue
  referrals, referrals whose consent expired.
- `notifications`: the feedback to professionals about their referrals.
- `plan`: the family's support plan (optionally naming a regeling of handvat 3).
- `rights`: retention (anonymising), and the family's rights: export and erasure.

Shared by them: `visibility` (who sees which family and referral, consent validity, paging)
and `errors` (the module's refusals).
"""
