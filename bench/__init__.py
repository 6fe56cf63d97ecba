"""Fapiao's benchmark harness: speed, scale and footprint as ratios against baselines measured in the same run.

Run ``python -m bench --help`` (or ``make bench``); see ``bench/README.md``.
"""
