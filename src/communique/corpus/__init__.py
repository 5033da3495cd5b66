"""Stage 1, seed -> corpus document: normalisation, segmentation, sections and splits, and the corpus
store that later stages read documents from."""
