"""tfa.activations.mish."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
def mish(x):
    """`x * tanh(softplus(x))` (Misra 2019, arXiv:1908.08681), as `keras.activations.mish`."""
    return keras.activations.mish(x)
