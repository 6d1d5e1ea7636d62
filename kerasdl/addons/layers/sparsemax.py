"""tfa.layers.Sparsemax: the `sparsemax` activation as a layer."""

import keras

from kerasdl.addons.activations.sparsemax import sparsemax


@keras.saving.register_keras_serializable(package="Addons")
class Sparsemax(keras.layers.Layer):
    """Sparsemax along `axis` (Martins & Astudillo 2016); right where Keras 3.15.1's
    `sparsemax` is wrong (ties in the support)."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs):
        return sparsemax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
