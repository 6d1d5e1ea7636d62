"""tfa.rnn.PeepholeLSTMCell: an LSTM cell with peephole connections."""

import keras
from keras import ops

from kerasdl.addons.rnn._states import zero_states


@keras.saving.register_keras_serializable(package="Addons")
class PeepholeLSTMCell(keras.layers.LSTMCell):
    """`keras.layers.LSTMCell` with peephole connections (Gers et al. 2002; Sak et al.
    2014): the gates also see the carry, through diagonal weights `p_i`, `p_f`, `p_o`:

        i = sigma(x W_i + h U_i + b_i + p_i * c_{t-1})
        f = sigma(x W_f + h U_f + b_f + p_f * c_{t-1})
        c_t = f * c_{t-1} + i * act(x W_c + h U_c + b_c)
        o = sigma(x W_o + h U_o + b_o + p_o * c_t)
        h_t = o * act(c_t)

    The peephole weights are initialized with `kernel_initializer`, as tfa 0.23. Weights in
    tfa's order: kernel, recurrent_kernel, bias, input_gate_peephole_weights,
    forget_gate_peephole_weights, output_gate_peephole_weights. Arguments are
    `keras.layers.LSTMCell`'s; dropout follows it (one mask for all gates, or one per gate
    with `implementation=1`, which recurrent dropout implies).
    """

    def build(self, input_shape):
        super().build(input_shape)
        self.input_gate_peephole_weights = self.add_weight(
            shape=(self.units,),
            name="input_gate_peephole_weights",
            initializer=self.kernel_initializer,
        )
        self.forget_gate_peephole_weights = self.add_weight(
            shape=(self.units,),
            name="forget_gate_peephole_weights",
            initializer=self.kernel_initializer,
        )
        self.output_gate_peephole_weights = self.add_weight(
            shape=(self.units,),
            name="output_gate_peephole_weights",
            initializer=self.kernel_initializer,
        )

    def _gate_inputs(self, inputs, h_tm1, training):
        """The four gates' pre-activations `[i, f, c, o]`, dropout applied."""
        dropped_x = [inputs]
        dropped_h = [h_tm1]
        if training and 0.0 < self.dropout < 1.0:
            mask = self.get_dropout_mask(inputs)
            masks = mask if isinstance(mask, (list, tuple)) else [mask]
            dropped_x = [inputs * m for m in masks]
        if training and 0.0 < self.recurrent_dropout < 1.0:
            mask = self.get_recurrent_dropout_mask(h_tm1)
            masks = mask if isinstance(mask, (list, tuple)) else [mask]
            dropped_h = [h_tm1 * m for m in masks]
        if len(dropped_x) == 1 and len(dropped_h) == 1:
            z = ops.matmul(dropped_x[0], self.kernel)
            z = z + ops.matmul(dropped_h[0], self.recurrent_kernel)
            if self.use_bias:
                z = z + self.bias
            return ops.split(z, 4, axis=-1)
        # One mask per gate: each gate's slice of the kernels sees its own dropped input.
        kernels = ops.split(self.kernel, 4, axis=1)
        recurrent_kernels = ops.split(self.recurrent_kernel, 4, axis=1)
        biases = ops.split(self.bias, 4) if self.use_bias else [0.0] * 4
        dropped_x = dropped_x * 4 if len(dropped_x) == 1 else dropped_x
        dropped_h = dropped_h * 4 if len(dropped_h) == 1 else dropped_h
        return [
            ops.matmul(x, k) + ops.matmul(h, r) + b
            for x, h, k, r, b in zip(
                dropped_x, dropped_h, kernels, recurrent_kernels, biases, strict=True
            )
        ]

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        z_i, z_f, z_c, z_o = self._gate_inputs(inputs, h_tm1, training)
        i = self.recurrent_activation(z_i + self.input_gate_peephole_weights * c_tm1)
        f = self.recurrent_activation(z_f + self.forget_gate_peephole_weights * c_tm1)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o + self.output_gate_peephole_weights * c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None, dtype=None, inputs=None):
        return zero_states(self, batch_size, dtype, inputs)

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation}
