"""tfa.activations.gelu: approximate by default (Keras 3's `gelu` is exact by default)."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
def gelu(x, approximate: bool = True):
    """Gaussian error linear unit, `x * Phi(x)`; tfa's default is the tanh approximation.

    Hendrycks & Gimpel 2016, "Gaussian Error Linear Units (GELUs)" (arXiv:1606.08415):
    exact `0.5 x (1 + erf(x / sqrt 2))`, or with `approximate` (tfa's default)
    `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`. `keras.activations.gelu`
    computes the same but defaults to `approximate=False`.
    """
    return keras.activations.gelu(x, approximate=approximate)
