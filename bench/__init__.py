"""Benchmarks. Each prints its figures and a ratio to a baseline run in the same process.

See bench/README.md and docs/performance.md.
"""
