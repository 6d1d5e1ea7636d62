"""Input pipelines: image data and augmentation, text and CoNLL readers, splits, epochs."""

from kerasdl.data import augmentation, epochs, errors, images, splits, tagging, text
from kerasdl.data.errors import InputError
