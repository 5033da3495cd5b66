"""What the benchmark, the review of annotations and the exports share to compare two annotation sets.

The scoring form both sides become (``annotations.py``: extents, items, canonical order), one-to-one
alignment (``align.py``) and matching with priorities (``matching.py``), the alignment of officials and CEAF-e
(``officials.py``), the score formulas (``scores.py``) and agreement between two passes of one document
(``agreement.py``). It imports nothing above ``annotate/``; ``bench/``, ``review/`` and ``export/`` import it,
never each other.
"""
