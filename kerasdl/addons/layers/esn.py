"""tfa.layers.ESN: the echo state network layer."""

import keras

from kerasdl.addons.rnn.esn_cell import ESNCell


@keras.saving.register_keras_serializable(package="Addons")
class ESN(keras.layers.RNN):
    """Echo state network layer (Jaeger 2001): `keras.layers.RNN` over an `ESNCell`, as
    tfa 0.23. Its config holds the cell's arguments, not the cell.

    Args:
        units, connectivity, leaky, spectral_radius, use_norm2, use_bias, activation,
            kernel_initializer, recurrent_initializer, bias_initializer: the `ESNCell`'s
            (`kerasdl.addons.rnn.ESNCell`).
        return_sequences: return the whole output sequence, not only the last output.
        go_backwards: process the sequence backwards (and return it reversed).
        unroll: unroll the loop (short sequences only).
        **kwargs: `keras.layers.RNN`'s (`return_state`, `stateful`, `name`, `dtype`, ...).

    Call arguments (`keras.layers.RNN`'s): `sequences` `[batch, timesteps, features]`,
    `initial_state`, `mask` `[batch, timesteps]`, `training`.
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
        return_sequences: bool = False,
        go_backwards: bool = False,
        unroll: bool = False,
        **kwargs,
    ):
        cell = ESNCell(
            units,
            connectivity=connectivity,
            leaky=leaky,
            spectral_radius=spectral_radius,
            use_norm2=use_norm2,
            use_bias=use_bias,
            activation=activation,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            dtype=kwargs.get("dtype"),
            name="esn_cell",
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            go_backwards=go_backwards,
            unroll=unroll,
            **kwargs,
        )

    @property
    def units(self):
        return self.cell.units

    @property
    def connectivity(self):
        return self.cell.connectivity

    @property
    def leaky(self):
        return self.cell.leaky

    @property
    def spectral_radius(self):
        return self.cell.spectral_radius

    @property
    def use_norm2(self):
        return self.cell.use_norm2

    @property
    def use_bias(self):
        return self.cell.use_bias

    @property
    def activation(self):
        return self.cell.activation

    @property
    def kernel_initializer(self):
        return self.cell.kernel_initializer

    @property
    def recurrent_initializer(self):
        return self.cell.recurrent_initializer

    @property
    def bias_initializer(self):
        return self.cell.bias_initializer

    def get_config(self):
        config = {
            key: value
            for key, value in self.cell.get_config().items()
            if key not in ("name", "trainable", "dtype")
        }
        base_config = super().get_config()
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
