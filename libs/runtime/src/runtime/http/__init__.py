"""HTTP plumbing every service shares: one way to build the app, authenticate a caller, carry
the correlation id, answer ``/health`` ``/ready`` ``/metrics`` and turn domain errors into 4xx."""
