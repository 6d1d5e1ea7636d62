"""Model builders: each returns an uncompiled `keras.Model`."""

from kerasdl.models.simple_cnn import simple_cnn  # noqa: F401
