"""Functional numerics in `keras.ops`: tfa.text-compatible CRF, tfa.image-compatible geometry."""

from kerasdl.ops.crf import *  # noqa: F401,F403
from kerasdl.ops.image import *  # noqa: F401,F403
