"""Driving the city-wide stream: the consumer that folds it into the projection batch by batch
(reporting's counterpart of the other services' FastStream subscribers), and the rebuild that
replays it from the first offset. Both open units of work and call ``service.ingest``."""
