"""Benchmarks at city scale and the data generator they share with the demo (see issue #9)."""
