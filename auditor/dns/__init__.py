"""Domain health: DNS evidence (collected once, saved, judged offline) and record parsing.

The rules never query DNS themselves: they read an `Evidence` (answers keyed by name and type),
so judging is pure and a saved evidence file reproduces a run without the network.
"""
