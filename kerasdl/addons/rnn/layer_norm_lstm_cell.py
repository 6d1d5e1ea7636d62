"""tfa.rnn.LayerNormLSTMCell: an LSTM cell with layer normalization."""

import keras
from keras import ops

from kerasdl.addons.rnn._states import zero_states


def _first_mask(mask):
    # With recurrent dropout Keras' LSTMCell keeps one mask per gate; this cell, as tfa's,
    # uses one mask for all four.
    return mask[0] if isinstance(mask, (list, tuple)) else mask


@keras.saving.register_keras_serializable(package="Addons")
class LayerNormLSTMCell(keras.layers.LSTMCell):
    """LSTM cell with layer normalization (Ba et al. 2016) before the nonlinearities, as
    tfa 0.23:

        z = LN_k(x W) + LN_r(h_{t-1} U) + b
        i, f, g, o = split(z, 4)
        c_t = LN_c(sigma(f) * c_{t-1} + sigma(i) * act(g))
        h_t = sigma(o) * act(c_t)

    where `LN_k`, `LN_r`, `LN_c` are three `LayerNormalization` sublayers (`kernel_norm`,
    `recurrent_norm`, `state_norm`) with a gain and a shift each. Dropout on `x` and
    recurrent dropout on `h_{t-1}` (Semeniuta et al. 2016) use one mask for all gates.
    States are `[h, c]`; weights in tfa's order: kernel, recurrent_kernel, bias, then
    gamma and beta of kernel_norm, recurrent_norm and state_norm.

    Args:
        units: dimensionality of the output and of each state.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias (adds 1 to the forget
            gate's bias at initialization), kernel/recurrent/bias regularizers and
            constraints, dropout, recurrent_dropout: as `keras.layers.LSTMCell`.
        norm_gamma_initializer: initializer of the normalization gains (default ones).
        norm_beta_initializer: initializer of the normalization shifts (default zeros).
        norm_epsilon: variance epsilon of the three normalizations (default 1e-3).
        **kwargs: `keras.layers.LSTMCell`'s (`seed`, `implementation`, `name`, `dtype`).
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        norm_gamma_initializer="ones",
        norm_beta_initializer="zeros",
        norm_epsilon: float = 1e-3,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            **kwargs,
        )
        self.norm_gamma_initializer = keras.initializers.get(norm_gamma_initializer)
        self.norm_beta_initializer = keras.initializers.get(norm_beta_initializer)
        self.norm_epsilon = norm_epsilon
        self.kernel_norm = self._norm_layer("kernel_norm")
        self.recurrent_norm = self._norm_layer("recurrent_norm")
        self.state_norm = self._norm_layer("state_norm")

    def _norm_layer(self, name):
        return keras.layers.LayerNormalization(
            epsilon=self.norm_epsilon,
            gamma_initializer=self.norm_gamma_initializer,
            beta_initializer=self.norm_beta_initializer,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape):
        super().build(input_shape)
        self.kernel_norm.build((None, 4 * self.units))
        self.recurrent_norm.build((None, 4 * self.units))
        self.state_norm.build((None, self.units))

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * _first_mask(self.get_dropout_mask(inputs))
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h_tm1 = h_tm1 * _first_mask(self.get_recurrent_dropout_mask(h_tm1))
        z = self.kernel_norm(ops.matmul(inputs, self.kernel))
        z = z + self.recurrent_norm(ops.matmul(h_tm1, self.recurrent_kernel))
        if self.use_bias:
            z = z + self.bias
        z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
        c = self.recurrent_activation(z_f) * c_tm1
        c = c + self.recurrent_activation(z_i) * self.activation(z_g)
        c = self.state_norm(c)
        h = self.recurrent_activation(z_o) * self.activation(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None, dtype=None, inputs=None):
        return zero_states(self, batch_size, dtype, inputs)

    def get_config(self):
        config = {
            "implementation": self.implementation,
            "norm_gamma_initializer": keras.initializers.serialize(self.norm_gamma_initializer),
            "norm_beta_initializer": keras.initializers.serialize(self.norm_beta_initializer),
            "norm_epsilon": self.norm_epsilon,
        }
        return {**super().get_config(), **config}
