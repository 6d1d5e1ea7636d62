"""tfa.rnn.ESNCell: the echo state network cell."""

import keras
from keras import ops

from kerasdl.addons.rnn._states import zero_states


def reservoir(shape, dtype, initializer, connectivity, spectral_radius, use_norm2, seed):
    """tfa's reservoir: `initializer(shape)` with each entry kept with probability
    `connectivity` (a uniform draw `<= connectivity`), scaled to `spectral_radius` by its
    largest eigenvalue modulus, or with `use_norm2` by its Frobenius norm (an upper bound
    of the spectral radius that needs no eigenvalues). An all-zero matrix stays zero.
    The eigenvalues and the norm are computed in at least float32."""
    weights = initializer(shape, dtype=dtype)
    keep = ops.less_equal(keras.random.uniform(shape, seed=seed), connectivity)
    weights = ops.where(keep, weights, ops.zeros_like(weights))
    exact = ops.cast(weights, "float64" if dtype == "float64" else "float32")
    if use_norm2:
        scale = ops.sqrt(ops.sum(ops.square(exact)))
    else:
        scale = ops.max(ops.abs(ops.eig(exact)[0]))
    empty = ops.equal(scale, 0.0)
    factor = ops.where(empty, 0.0, spectral_radius / ops.where(empty, 1.0, scale))
    return ops.cast(exact * factor, dtype)


@keras.saving.register_keras_serializable(package="Addons")
class ESNCell(keras.layers.Layer):
    """Echo state network cell (Jaeger 2001), as tfa 0.23:

        h_t = (1 - leaky) * h_{t-1} + leaky * act(x_t W + h_{t-1} R + b)

    `W`, `R` and `b` are not trained. The reservoir `R` is drawn once, at build:
    `recurrent_initializer`'s matrix, each entry kept with probability `connectivity`,
    rescaled so that its spectral radius (its largest eigenvalue modulus) is
    `spectral_radius`, or with `use_norm2` so that its Frobenius norm is, which bounds the
    spectral radius from above (the echo state property asks for it below 1). The draw
    uses Keras' random generator (`keras.utils.set_random_seed` fixes it), not TensorFlow's
    as tfa. Weights in tfa's order: recurrent_kernel, kernel, bias.

    Args:
        units: size of the reservoir.
        connectivity: probability of each reservoir connection (default 0.1).
        leaky: leaking rate in [0, 1]; 1 (default) is no leaky integration.
        spectral_radius: the reservoir's spectral radius (default 0.9).
        use_norm2: scale by the Frobenius norm instead of the eigenvalues.
        use_bias: add a bias (default True).
        activation: default tanh.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of
            `W` (default glorot_uniform), of `R` before masking and scaling
            (glorot_uniform), and of `b` (zeros).
    """

    def __init__(
        self,
        units: int,
        connectivity: float = 0.1,
        leaky: float = 1,
        spectral_radius: float = 0.9,
        use_norm2: bool = False,
        use_bias: bool = True,
        activation="tanh",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if units <= 0:
            raise ValueError(f"`units` must be a positive integer, got {units}.")
        if not 0 <= connectivity <= 1:
            raise ValueError(f"`connectivity` must be in [0, 1], got {connectivity}.")
        if not 0 <= leaky <= 1:
            raise ValueError(f"`leaky` must be in [0, 1], got {leaky}.")
        self.units = units
        self.connectivity = connectivity
        self.leaky = leaky
        self.spectral_radius = spectral_radius
        self.use_norm2 = use_norm2
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed_generator = keras.random.SeedGenerator()
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs must be known, got {input_shape}.")

        def recurrent_initializer(shape, dtype=None):
            return reservoir(
                shape,
                dtype or self.variable_dtype,
                self.recurrent_initializer,
                self.connectivity,
                self.spectral_radius,
                self.use_norm2,
                self.seed_generator,
            )

        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, self.units),
            initializer=recurrent_initializer,
            trainable=False,
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            trainable=False,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,), initializer=self.bias_initializer, trainable=False
            )

    def call(self, inputs, states):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        output = ops.matmul(inputs, self.kernel) + ops.matmul(prev, self.recurrent_kernel)
        if self.use_bias:
            output = output + self.bias
        output = self.activation(output)
        output = (1 - self.leaky) * prev + self.leaky * output
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_initial_state(self, batch_size=None, dtype=None, inputs=None):
        return zero_states(self, batch_size, dtype, inputs)

    def get_config(self):
        config = {
            "units": self.units,
            "connectivity": self.connectivity,
            "leaky": self.leaky,
            "spectral_radius": self.spectral_radius,
            "use_norm2": self.use_norm2,
            "use_bias": self.use_bias,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}
