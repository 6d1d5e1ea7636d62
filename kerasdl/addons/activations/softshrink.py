"""tfa.activations.softshrink with tfa's `lower`/`upper` bounds."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def softshrink(x, lower: float = -0.5, upper: float = 0.5):
    """`x - lower` where `x < lower`, `x - upper` where `x > upper`, else 0.

    `keras.activations.soft_shrink(x, threshold)` is the symmetric case
    `lower = -threshold`, `upper = threshold`.
    """
    if lower > upper:
        raise ValueError(f"The value of lower is {lower} and should not be higher than {upper}")
    x = ops.convert_to_tensor(x)
    below = ops.where(x < lower, x - lower, ops.zeros_like(x))
    above = ops.where(x > upper, x - upper, ops.zeros_like(x))
    return below + above
