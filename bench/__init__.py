"""Benchmarks: each module measures a figure against a baseline run in the same process and prints ratios.

Run all of them with ``python -m bench``; one with ``python -m bench.<module>``.
"""
