"""tfa.layers.WeightNormalization: tfa 0.23's wrapper, recurrent layers included."""

import logging

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterises a layer's kernel as `w = g * v / ||v||`, as tfa 0.23.

    Salimans & Kingma 2016, "Weight Normalization: A Simple Reparameterization to
    Accelerate Training of Deep Neural Networks" (NeurIPS), eq. 2. `v` is the wrapped
    layer's `kernel` variable, or for a recurrent layer (`keras.layers.RNN`: SimpleRNN,
    LSTM, GRU, ...) its cell's `recurrent_kernel`, as tfa; the norm runs over every axis
    but the last, so there is one `g` per output unit (per gate unit for LSTM/GRU). The
    first call initialises `g` once (a saved `initialized` flag):

    - `data_init=False`: `g = ||v||`, so the layer starts as the wrapped one;
    - `data_init=True` (paper sec. 3, tfa's version): the wrapped layer's output on the
      first batch with its unnormalised weights — without its activation, except for
      recurrent layers — gives per-unit mean `m` and variance `s2`; `g *= 1 / sqrt(s2 +
      1e-10)` (tiled over the gates of a recurrent layer) and the bias of a non-recurrent
      layer becomes `-m / sqrt(s2 + 1e-10)`. The pre-activations are standardised only
      where `||v|| = 1` (the paper standardises them always: `kerasdl.layers.
      WeightNormalization` does, and does not take recurrent layers).

    `remove()` writes `g * v / ||v||` into the wrapped layer and returns it.

    Args:
        layer: a layer with a `kernel`, or a recurrent layer whose cell has a
            `recurrent_kernel`.
        data_init: use the data-dependent initialisation (advised against for RNNs).
    """

    def __init__(self, layer, data_init: bool = True, **kwargs):
        if not isinstance(layer, keras.layers.Layer):
            raise ValueError(f"WeightNormalization wraps a Keras layer; got {type(layer)}")
        super().__init__(layer, **kwargs)
        self.data_init = data_init
        self.is_rnn = isinstance(layer, keras.layers.RNN)
        if data_init and self.is_rnn:
            logging.warning(
                "WeightNormalization: Using `data_init=True` with RNNs "
                "is advised against by the paper. Use `data_init=False`."
            )

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        kernel_layer = self.layer.cell if self.is_rnn else self.layer
        if not hasattr(kernel_layer, "kernel"):
            raise ValueError(
                "`WeightNormalization` must wrap a layer that contains a `kernel` for weights"
            )
        kernel = self.v
        self.layer_depth = int(kernel.shape[-1])
        self.kernel_norm_axes = list(range(len(kernel.shape) - 1))
        self.g = self.add_weight(
            name="g", shape=(self.layer_depth,), initializer="ones", dtype=kernel.dtype
        )
        self.initialized = self.add_weight(
            name="initialized", shape=(), initializer="zeros", dtype="bool", trainable=False
        )
        self.built = True

    @property
    def v(self):
        """The normalised variable: the kernel, or a recurrent cell's recurrent kernel."""
        return self.layer.cell.recurrent_kernel if self.is_rnn else self.layer.kernel

    def _direction(self):
        v = ops.convert_to_tensor(self.v)
        squares = ops.sum(ops.square(v), axis=self.kernel_norm_axes, keepdims=True)
        return v * ops.rsqrt(ops.maximum(squares, 1e-12))  # tf.nn.l2_normalize

    def _raw_output(self, inputs):
        """The wrapped layer's output with its own weights, without the activation of a
        non-recurrent layer (tfa's `_naked_clone_layer`)."""
        activation = getattr(self.layer, "activation", None)
        if self.is_rnn or activation is None:
            return self.layer(inputs)
        self.layer.activation = keras.activations.linear
        try:
            return self.layer(inputs)
        finally:
            self.layer.activation = activation

    def _initialize(self, inputs):
        if self.data_init:
            outputs = ops.cast(self._raw_output(inputs), "float32")
            mean, variance = ops.moments(outputs, list(range(len(outputs.shape) - 1)))
            scale = 1.0 / ops.sqrt(variance + 1e-10)
            repeats = self.layer_depth // int(scale.shape[0])
            g = ops.convert_to_tensor(self.g) * ops.cast(ops.tile(scale, [repeats]), self.g.dtype)
            bias = None if self.is_rnn else getattr(self.layer, "bias", None)
            if bias is not None:
                bias.assign(ops.cast(-mean * scale, bias.dtype))
        else:
            v = ops.reshape(ops.convert_to_tensor(self.v), (-1, self.layer_depth))
            g = ops.sqrt(ops.sum(ops.square(v), axis=0))
        self.g.assign(g)
        self.initialized.assign(True)
        return ops.convert_to_tensor(g)

    def call(self, inputs):
        g = ops.cond(
            ops.not_equal(ops.cast(self.initialized, "int32"), 0),
            lambda: ops.convert_to_tensor(self.g),
            lambda: self._initialize(inputs),
        )
        kernel = self._direction() * ops.cast(g, self.v.dtype)
        with keras.StatelessScope(state_mapping=[(self.v, kernel)]):
            return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def remove(self):
        """Writes `g * v / ||v||` into the wrapped layer's kernel (recurrent kernel) and
        returns that layer, as tfa's `remove()`."""
        if not self.built:
            raise ValueError("WeightNormalization.remove() needs a built layer")
        self.v.assign(self._direction() * ops.cast(self.g, self.v.dtype))
        return self.layer

    def get_config(self):
        config = super().get_config()
        config.update({"data_init": self.data_init})
        return config
