"""tfa.layers.GELU: the `gelu` activation as a layer, approximate by default."""

import keras

from kerasdl.addons.activations.gelu import gelu


@keras.saving.register_keras_serializable(package="Addons")
class GELU(keras.layers.Layer):
    """Gaussian error linear unit layer (Hendrycks & Gimpel 2016); `approximate=True` (tfa's
    default) uses the tanh form. Keras 3 has `keras.layers.Activation("gelu")`, exact."""

    def __init__(self, approximate: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.approximate = approximate
        self.supports_masking = True

    def call(self, inputs):
        return gelu(inputs, approximate=self.approximate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "approximate": self.approximate}
