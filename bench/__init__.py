"""Benchmarks: the hot paths measured as ratios against their limits (``make bench``, README "Performance").

``python -m bench`` seeds cached PostgreSQL databases, measures each case in rounds
(numerator and denominator back to back, in random order) and prints one JSON
document, also written to ``var/bench.json``. Never run by the test suite;
``tests/bench/test_smoke.py`` runs it on a tiny data set.
"""
