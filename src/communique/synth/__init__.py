"""Deterministic synthetic corpora (texts, gold annotations and perturbed predictions) for scale tests."""
