"""tfa.activations.mish."""

import keras


def mish(x):
    """`x * tanh(softplus(x))` (Misra 2019, arXiv:1908.08681), as `keras.activations.mish`."""
    return keras.activations.mish(x)
