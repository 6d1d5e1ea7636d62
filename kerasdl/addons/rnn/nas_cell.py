"""tfa.rnn.NASCell: the recurrent cell found by neural architecture search."""

import keras
from keras import ops

from kerasdl.addons.rnn._states import zero_states


@keras.saving.register_keras_serializable(package="Addons")
class NASCell(keras.layers.Layer):
    """The recurrent cell of Zoph & Le, "Neural Architecture Search with Reinforcement
    Learning" (ICLR 2017, fig. 8), with an optional projection of the output, as tfa 0.23.

    With `a_k = x W_k` and `m_k = h_{t-1} U_k (+ b_k)` for the eight slices `k` of the
    kernels:

        l1 = [sig(a0 + m0), relu(a1 + m1), sig(a2 + m2), relu(a3 * m3),
              tanh(a4 + m4), sig(a5 + m5), tanh(a6 + m6), sig(a7 + m7)]
        l2 = [tanh(l1_0 * l1_1), tanh(l1_2 + l1_3), tanh(l1_4 * l1_5), sig(l1_6 + l1_7)]
        c_t = tanh(l2_0 + c_{t-1}) * l2_1
        h_t = tanh(c_t * tanh(l2_2 + l2_3))  (then `h_t P` with a projection)

    States are `[c, h]` (`[units, projection or units]`); the output is `h_t`. Weights
    in tfa's order: recurrent_kernel `[output_size, 8 units]`, kernel
    `[input_dim, 8 units]`, bias `[8 units]`, projection_weights `[units, projection]`.

    Args:
        units: number of units of the cell state.
        projection: output dimensionality of a projection of `h`; None for none.
        use_bias: add a bias to the recurrent product (default False).
        kernel_initializer, recurrent_initializer, projection_initializer,
            bias_initializer: initializers of the weights.
    """

    _NAS_BASE = 8

    def __init__(
        self,
        units: int,
        projection: int | None = None,
        use_bias: bool = False,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="glorot_uniform",
        projection_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if units <= 0:
            raise ValueError(f"`units` must be a positive integer, got {units}.")
        if projection is not None and projection <= 0:
            raise ValueError(f"`projection` must be None or a positive integer, got {projection}.")
        self.units = units
        self.projection = projection
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.projection_initializer = keras.initializers.get(projection_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.output_size = projection if projection is not None else units
        self.state_size = [units, self.output_size]

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs must be known, got {input_shape}.")
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.output_size, self._NAS_BASE * self.units),
            initializer=self.recurrent_initializer,
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self._NAS_BASE * self.units),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self._NAS_BASE * self.units,), initializer=self.bias_initializer
            )
        if self.projection is not None:
            self.projection_weights = self.add_weight(
                name="projection_weights",
                shape=(self.units, self.projection),
                initializer=self.projection_initializer,
            )

    def call(self, inputs, states):
        c_prev, m_prev = states[0], states[1]
        m = ops.matmul(m_prev, self.recurrent_kernel)
        if self.use_bias:
            m = m + self.bias
        a = ops.split(ops.matmul(inputs, self.kernel), self._NAS_BASE, axis=-1)
        m = ops.split(m, self._NAS_BASE, axis=-1)
        sigmoid, tanh, relu = ops.sigmoid, ops.tanh, ops.relu

        layer1 = [
            sigmoid(a[0] + m[0]),
            relu(a[1] + m[1]),
            sigmoid(a[2] + m[2]),
            relu(a[3] * m[3]),
            tanh(a[4] + m[4]),
            sigmoid(a[5] + m[5]),
            tanh(a[6] + m[6]),
            sigmoid(a[7] + m[7]),
        ]
        layer2_0 = tanh(tanh(layer1[0] * layer1[1]) + c_prev)  # the cell state enters here
        layer2_1 = tanh(layer1[2] + layer1[3])
        layer2_2 = tanh(layer1[4] * layer1[5])
        layer2_3 = sigmoid(layer1[6] + layer1[7])

        new_c = layer2_0 * layer2_1
        new_m = tanh(new_c * tanh(layer2_2 + layer2_3))
        if self.projection is not None:
            new_m = ops.matmul(new_m, self.projection_weights)
        return new_m, [new_c, new_m]

    def get_initial_state(self, batch_size=None, dtype=None, inputs=None):
        return zero_states(self, batch_size, dtype, inputs)

    def get_config(self):
        config = {
            "units": self.units,
            "projection": self.projection,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "projection_initializer": keras.initializers.serialize(self.projection_initializer),
        }
        return {**super().get_config(), **config}
