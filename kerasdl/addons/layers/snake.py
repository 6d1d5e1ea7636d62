"""tfa.layers.Snake: snake with one trainable scalar `frequency`."""

import keras

from kerasdl.activations import snake


@keras.saving.register_keras_serializable(package="Addons")
class Snake(keras.layers.Layer):
    """`x + sin^2(a x) / a` with a trainable scalar `a` (Ziyin et al. 2020, eq. 3), as tfa.

    `kerasdl.layers.Snake(frequency, trainable_frequency)` is the native layer (a fixed
    `a`, or one per channel).

    Args:
        frequency_initializer: initializer of the scalar `frequency` (default ones).
    """

    def __init__(self, frequency_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.frequency_initializer = keras.initializers.get(frequency_initializer)
        self.frequency = self.add_weight(
            name="frequency", shape=(), initializer=self.frequency_initializer, trainable=True
        )

    def call(self, inputs):
        return snake(inputs, self.frequency)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["frequency_initializer"] = keras.initializers.serialize(self.frequency_initializer)
        return config
