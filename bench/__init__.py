"""Benchmarks: `make bench` writes bench/RESULTS.md (`python -m bench.run`)."""
