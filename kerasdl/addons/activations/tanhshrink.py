"""tfa.activations.tanhshrink."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def tanhshrink(x):
    """`x - tanh(x)` (as `keras.activations.tanh_shrink`)."""
    x = ops.convert_to_tensor(x)
    return x - ops.tanh(x)
