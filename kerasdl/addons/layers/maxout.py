"""tfa.layers.Maxout: the maximum over groups of features."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class Maxout(keras.layers.Layer):
    """Maxout (Goodfellow et al. 2013): `num_units` outputs along `axis`, output `u` the
    maximum of the inputs `u, u + num_units, u + 2 num_units, ...` (tfa's grouping).

    Args:
        num_units: features left on `axis`; it must divide the input's size there.
        axis: the feature axis (default the last).
    """

    def __init__(self, num_units: int, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.num_units = num_units
        self.axis = axis

    def call(self, inputs):
        shape = list(ops.shape(inputs))
        channels = shape[self.axis]
        if isinstance(channels, int) and channels % self.num_units:
            raise ValueError(
                f"number of features({channels}) is not a multiple of num_units({self.num_units})"
            )
        axis = self.axis % len(shape)
        grouped = shape[:axis] + [channels // self.num_units, self.num_units] + shape[axis + 1 :]
        return ops.max(ops.reshape(inputs, grouped), axis=axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.axis] = self.num_units
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "num_units": self.num_units, "axis": self.axis}
