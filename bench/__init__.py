"""Benchmarks: ``make bench`` prints one JSON object with every figure and its ratio to the raw
broker measured in the same run on the same machine."""
