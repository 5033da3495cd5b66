"""Exports of the validated gold: Hugging Face datasets (parquet + dataset card + Croissant) and brat."""
