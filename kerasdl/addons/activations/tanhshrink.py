"""tfa.activations.tanhshrink."""

from keras import ops


def tanhshrink(x):
    """`x - tanh(x)` (as `keras.activations.tanh_shrink`)."""
    x = ops.convert_to_tensor(x)
    return x - ops.tanh(x)
