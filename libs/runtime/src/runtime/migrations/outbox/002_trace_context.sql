-- The W3C trace context of the work that wrote the event, so the relay publishes it within the
-- same trace. Empty while tracing is off.
ALTER TABLE outbox ADD COLUMN traceparent text, ADD COLUMN tracestate text;
