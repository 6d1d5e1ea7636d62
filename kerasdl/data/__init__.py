"""Input pipelines: image augmentation, text and CoNLL readers, built-in sources."""

from kerasdl.data import errors, image, sources, tagging, text
from kerasdl.data.errors import InputError
