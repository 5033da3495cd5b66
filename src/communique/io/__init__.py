"""Shared input and output: reading YAML and JSON with locations, writing files safely and atomically,
and the ordered parallel map behind every ``--jobs``."""
