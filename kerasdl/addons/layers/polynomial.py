"""tfa.layers.PolynomialCrossing: the cross layer of Deep & Cross Network."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class PolynomialCrossing(keras.layers.Layer):
    """One cross layer of Deep & Cross Network (Wang et al. 2017; the matrix form of DCN-V2),
    called on `[x0, x]`: `x0 * (x W + diag_scale * x) + bias + x`, with `W` full
    (`input_dim x input_dim`) or the low-rank `U V` (`projection_dim` columns).
    tfa deprecated it for TensorFlow Recommenders' `Cross` (keras-rs `FeatureCross` now).

    Args:
        projection_dim: rank of `W = U V` (at most `input_dim / 2`), or None for a full `W`.
        diag_scale: added to the diagonal of `W`.
        use_bias: add `bias`.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer: for
            the kernels and the bias.
    """

    def __init__(
        self,
        projection_dim: int | None = None,
        diag_scale: float = 0.0,
        use_bias: bool = True,
        kernel_initializer="truncated_normal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.projection_dim = projection_dim
        self.diag_scale = diag_scale
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(f"Input shapes must be a tuple or list of size 2, got {input_shape}")
        last_dim = input_shape[-1][-1]
        kernel = {"initializer": self.kernel_initializer, "regularizer": self.kernel_regularizer}
        if self.projection_dim is None:
            self.kernel = self.add_weight(name="kernel", shape=(last_dim, last_dim), **kernel)
        else:
            if self.projection_dim < 0 or self.projection_dim > last_dim / 2:
                raise ValueError(
                    "`projection_dim` should be smaller than last_dim / 2 to improve "
                    "the model efficiency, and should be positive. Got `projection_dim` "
                    f"{self.projection_dim}, and last dimension of input {last_dim}"
                )
            self.kernel_u = self.add_weight(
                name="kernel_u", shape=(last_dim, self.projection_dim), **kernel
            )
            self.kernel_v = self.add_weight(
                name="kernel_v", shape=(self.projection_dim, last_dim), **kernel
            )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(last_dim,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )

    def call(self, inputs):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError(f"Inputs to the layer must be a tuple or list of size 2, got {inputs}")
        x0, x = inputs
        if self.projection_dim is None:
            product = ops.matmul(x, self.kernel)
        else:
            product = ops.matmul(ops.matmul(x, self.kernel_u), self.kernel_v)
        if self.diag_scale:
            product = product + self.diag_scale * x
        outputs = x0 * product + x
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[0]

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)):
            raise ValueError("A `PolynomialCrossing` layer should be called on a list of inputs.")
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "projection_dim": self.projection_dim,
            "diag_scale": self.diag_scale,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
        }
