"""The reporting service's own metrics, beside the shared ones in ``runtime.metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UNUSABLE_EVENTS = Counter(
    "reporting_unusable_events_total",
    "Stream messages the projection could not use, recorded and skipped.",
    ["reason"],
)
STREAM_POSITION = Gauge("reporting_stream_offset", "The last stream offset applied.")
CONSUMER_ATTACHED = Gauge(
    "reporting_consumer_attached",
    "1 while this process consumes the stream (one replica at a time; alert if none does).",
)
BATCH_DURATION = Histogram(
    "reporting_batch_duration_seconds",
    "Applying one batch of stream messages, commit included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
