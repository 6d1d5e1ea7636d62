"""tfa.rnn.LayerNormSimpleRNNCell: a simple RNN cell with layer normalization."""

import keras
from keras import ops

from kerasdl.addons.rnn._states import zero_states


@keras.saving.register_keras_serializable(package="Addons")
class LayerNormSimpleRNNCell(keras.layers.SimpleRNNCell):
    """Simple RNN cell with layer normalization (Ba et al. 2016, eq. 4) of the net input,
    scaled but not centred, the bias added after it, as tfa 0.23:

        y_t = act(LN(d1(x_t) W + d2(y_{t-1}) U) + b)

    where `LN` normalizes over the units with a learned gain (`layernorm`, no shift) and
    `d1`, `d2` are dropout and recurrent dropout in training. Weights in tfa's order:
    kernel, recurrent_kernel, bias, gamma.

    Args:
        units: dimensionality of the output (and of the state).
        activation, use_bias, kernel/recurrent/bias initializers, regularizers and
            constraints, dropout, recurrent_dropout: as `keras.layers.SimpleRNNCell`.
        layernorm_epsilon: variance epsilon of the normalization (default 1e-5).
        gamma_initializer, gamma_regularizer, gamma_constraint: for the gain (default
            ones).
        **kwargs: `keras.layers.SimpleRNNCell`'s (`seed`, `name`, `dtype`).
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        layernorm_epsilon: float = 1e-05,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        gamma_initializer="ones",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        gamma_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        gamma_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
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
        self.layernorm = keras.layers.LayerNormalization(
            axis=-1,
            epsilon=layernorm_epsilon,
            center=False,
            scale=True,
            gamma_initializer=gamma_initializer,
            gamma_regularizer=gamma_regularizer,
            gamma_constraint=gamma_constraint,
            dtype=self.dtype_policy,
            name="layernorm",
        )

    def build(self, input_shape):
        super().build(input_shape)
        self.layernorm.build((None, self.units))

    def call(self, sequence, states, training=False):
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        if training and 0.0 < self.dropout < 1.0:
            sequence = sequence * self.get_dropout_mask(sequence)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            prev_output = prev_output * self.get_recurrent_dropout_mask(prev_output)
        net = ops.matmul(sequence, self.kernel) + ops.matmul(prev_output, self.recurrent_kernel)
        output = self.layernorm(net)
        if self.bias is not None:
            output = output + self.bias
        if self.activation is not None:
            output = self.activation(output)
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_initial_state(self, batch_size=None, dtype=None, inputs=None):
        return zero_states(self, batch_size, dtype, inputs)

    def get_config(self):
        config = {
            "layernorm_epsilon": self.layernorm.epsilon,
            "gamma_initializer": keras.initializers.serialize(self.layernorm.gamma_initializer),
            "gamma_regularizer": keras.regularizers.serialize(self.layernorm.gamma_regularizer),
            "gamma_constraint": keras.constraints.serialize(self.layernorm.gamma_constraint),
        }
        return {**super().get_config(), **config}
