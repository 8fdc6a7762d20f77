"""Benchmarks: synthetic plans at county, city and province scale, and their timings.

Run ``python -m benchmarks --scale county,city`` (or ``make bench``); see BENCHMARKS.md.
"""
