"""The benchmark: the product's five methods beside hand-written ceilings, in one run.

``make bench`` runs ``python -m bench``; ``make bench-smoke`` the same on tiny
data so CI keeps it working. See docs/performance.md for what it measures.
"""
