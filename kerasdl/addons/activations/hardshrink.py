"""tfa.activations.hardshrink with tfa's `lower`/`upper` bounds."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def hardshrink(x, lower: float = -0.5, upper: float = 0.5):
    """`x` where `x < lower` or `x > upper`, else 0.

    `keras.activations.hard_shrink(x, threshold)` is the symmetric case
    `lower = -threshold`, `upper = threshold`.
    """
    if lower > upper:
        raise ValueError(f"The value of lower is {lower} and should not be higher than {upper}")
    x = ops.convert_to_tensor(x)
    keep = ops.logical_or(x < lower, x > upper)
    return x * ops.cast(keep, x.dtype)
