"""tfa.layers.PoincareNormalize: projection into the Poincaré ball."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class PoincareNormalize(keras.layers.Layer):
    """Projects each slice along `axis` into the Poincaré ball of radius `1 - epsilon`
    (Nickel & Kiela 2017): `x (1 - epsilon) / ||x||` where `||x|| > 1 - epsilon`, else `x`.

    Args:
        axis: the axis, list of axes, or None (all axes) the norm is taken over.
        epsilon: distance kept from the unit sphere.
    """

    def __init__(self, axis=1, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        square_sum = ops.sum(ops.square(inputs), axis=axis, keepdims=True)
        inverse_norm = ops.minimum((1.0 - self.epsilon) * ops.rsqrt(square_sum), 1.0)
        return inputs * inverse_norm

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
