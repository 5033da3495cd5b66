"""One module per outside tool or format, each with one vocabulary from which its reader and writer derive.

``html.py`` is the one HTML renderer of gold, predictions and benchmark outcomes. formats imports nothing
above ``annotate/``; ``import``, ``export``, ``convert``, ``render`` and ``bench`` call it.
"""
