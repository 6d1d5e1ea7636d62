"""tfa.layers.SpectralNormalization: Keras 3's (same `layer`, `power_iterations`)."""

from keras.layers import SpectralNormalization

__all__ = ["SpectralNormalization"]
