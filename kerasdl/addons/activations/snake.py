"""tfa.activations.snake: kerasdl's `snake`, registered as "Addons>snake"."""

import keras

from kerasdl.activations import snake as _snake


@keras.saving.register_keras_serializable(package="Addons")
def snake(x, frequency: float = 1.0):
    """Snake, `x + sin^2(frequency * x) / frequency` (Ziyin et al. 2020, eq. 3)."""
    return _snake(x, frequency)
