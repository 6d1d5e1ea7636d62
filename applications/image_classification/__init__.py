"""Image classification trainer: `python -m applications.image_classification`."""
