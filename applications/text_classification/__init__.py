"""Text classification trainer: `python -m applications.text_classification`."""
