"""Prometheus metrics shared by every service (each service process has its own registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "events_consumed_total", "Events applied by a consumer.", ["queue", "event_type"]
)
EVENTS_DUPLICATE = Counter(
    "events_duplicate_total", "Events recognised as already applied and skipped.", ["queue"]
)
EVENTS_FAILED = Counter(
    "events_failed_total", "Handler failures, before retry or dead-lettering.", ["queue", "reason"]
)
EVENTS_HELD = Counter(
    "events_held_total",
    "Handler attempts that found the database unreachable; the message waits, unspent.",
    ["queue"],
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Messages sent to a dead-letter queue.", ["queue", "reason"]
)
HANDLER_DURATION = Histogram(
    "event_handler_duration_seconds", "Time spent handling one message, or one batch.", ["queue"]
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows confirmed by the broker.")
OUTBOX_PUBLISH_FAILED = Counter("outbox_publish_failed_total", "Outbox publishes that failed.")
OUTBOX_RELAY_LAG = Histogram(
    "outbox_relay_lag_seconds",
    "From the outbox row's insert to the broker's confirm.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
QUEUE_CONSUMERS = Gauge(
    "queue_consumers", "Consumers on a queue, as the broker counts them.", ["queue"]
)
CONSUMER_REPAIRS = Counter(
    "consumer_repairs_total",
    "Subscribers restarted because their queue had no consumer.",
    ["queue"],
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet confirmed by the broker.")
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when empty)."
)
