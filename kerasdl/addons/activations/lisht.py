"""tfa.activations.lisht: kerasdl's `lisht`, registered as "Addons>lisht"."""

import keras

from kerasdl.activations import lisht as _lisht


@keras.saving.register_keras_serializable(package="Addons")
def lisht(x):
    """LiSHT, `x * tanh(x)` (Roy et al. 2019, arXiv:1901.05894)."""
    return _lisht(x)
