"""Input pipelines: image data and augmentation, text, CoNLL and pronunciation readers,
splits, epochs."""

from kerasdl.data import (
    augmentation,
    epochs,
    errors,
    images,
    parallel,
    pronunciations,
    splits,
    tagging,
    text,
)
from kerasdl.data.errors import InputError
