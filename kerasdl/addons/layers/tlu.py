"""tfa.layers.TLU: the thresholded linear unit."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class TLU(keras.layers.Layer):
    """Thresholded linear unit (Singh & Krishnan 2020, eq. 5): `max(x, tau)` with a learned
    threshold `tau` per input position (every non-batch axis), the activation paired with
    `FilterResponseNormalization`; `affine=True` gives `max(x, alpha * x + tau)`.

    Args:
        affine: learn `alpha` too.
        tau_initializer, tau_regularizer, tau_constraint: for `tau` (default zeros).
        alpha_initializer, alpha_regularizer, alpha_constraint: for `alpha` (default
            zeros), used only with `affine=True`.
    """

    def __init__(
        self,
        affine: bool = False,
        tau_initializer="zeros",
        tau_regularizer=None,
        tau_constraint=None,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.affine = affine
        self.tau_initializer = keras.initializers.get(tau_initializer)
        self.tau_regularizer = keras.regularizers.get(tau_regularizer)
        self.tau_constraint = keras.constraints.get(tau_constraint)
        if self.affine:
            self.alpha_initializer = keras.initializers.get(alpha_initializer)
            self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)
            self.alpha_constraint = keras.constraints.get(alpha_constraint)

    def build(self, input_shape):
        param_shape = tuple(input_shape[1:])
        self.tau = self.add_weight(
            shape=param_shape,
            name="tau",
            initializer=self.tau_initializer,
            regularizer=self.tau_regularizer,
            constraint=self.tau_constraint,
        )
        if self.affine:
            self.alpha = self.add_weight(
                shape=param_shape,
                name="alpha",
                initializer=self.alpha_initializer,
                regularizer=self.alpha_regularizer,
                constraint=self.alpha_constraint,
            )
        axes = {i: input_shape[i] for i in range(1, len(input_shape))}
        self.input_spec = keras.layers.InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        v = self.alpha * inputs if self.affine else 0
        return ops.maximum(inputs, self.tau + v)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "tau_initializer": keras.initializers.serialize(self.tau_initializer),
            "tau_regularizer": keras.regularizers.serialize(self.tau_regularizer),
            "tau_constraint": keras.constraints.serialize(self.tau_constraint),
            "affine": self.affine,
        }
        if self.affine:
            config["alpha_initializer"] = keras.initializers.serialize(self.alpha_initializer)
            config["alpha_regularizer"] = keras.regularizers.serialize(self.alpha_regularizer)
            config["alpha_constraint"] = keras.constraints.serialize(self.alpha_constraint)
        return {**super().get_config(), **config}
