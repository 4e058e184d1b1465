"""Signed webhooks for municipal IT (docs/webhooks.md).

A coalition admin (GraphQL) or the operator (CLI) subscribes an https URL to event types of
the gemeente. When an outbox event is dispatched, a delivery row is written for every active
subscription to its type, in the transaction that marks the event dispatched (`fanout`), so
no event is lost and no request waits for a receiver. The job engine's periodic task
`webhooks.deliver` (`delivery`) sends them: a thin JSON payload of ids and codes, signed per
Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, two signatures
while a secret is rotated), to an address resolved once and checked against private ranges
(`targets`), retried with exponential backoff for about a day, then dead; a subscription
that keeps failing is paused and the coalition admins are told.

The parts:

* `models`: the tables `webhook_subscriptions` and `webhook_deliveries`;
* `catalogue`: the event types a webhook can subscribe to, with their payload schemas;
* `targets`: the URL rules and the SSRF protection (resolve once, refuse private ranges);
* `signing`: the secrets (made, encrypted at rest, rotated) and the signature headers;
* `fanout`: the delivery rows for a dispatched event;
* `service`: managing subscriptions, the delivery log and replays (GraphQL and the CLI);
* `delivery`: the worker's round: claim, send, record, pause and notify.
"""
