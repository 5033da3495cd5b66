"""Stage 0, the single source of truth: the Pydantic models of gold annotations, corpus documents and
predictions, the error catalogue and the label lists; the JSON Schemas are generated from them."""
