"""Residual blocks of He et al. 2016: basic and bottleneck, post- and pre-activation.

- v1, post-activation (He et al. 2016a, "Deep Residual Learning for Image Recognition"):
  `relu(F(x) + shortcut(x))` with `F = conv-BN-ReLU-conv-BN`.
- v2, pre-activation (He et al. 2016b, "Identity Mappings in Deep Residual Networks"):
  `F(x) + shortcut(x)` with `F = BN-ReLU-conv-BN-ReLU-conv`; nothing after the addition.

Shortcuts when the shape changes: `"projection"` (option B of the paper: strided 1x1
conv + BN) or `"zero_pad"` (option A, parameter-free: strided subsampling with the new
channels zero-filled — what the paper's CIFAR ResNets use).
"""

from __future__ import annotations

import keras
from keras import layers, ops

__all__ = ["ResidualBlock"]


@keras.saving.register_keras_serializable(package="kerasdl")
class ResidualBlock(keras.layers.Layer):
    """One residual block, basic (two 3x3 convs) or bottleneck (1x1, 3x3, 1x1 x4).

    Args:
        filters: filters of the 3x3 convolution; a bottleneck block outputs `4 * filters`.
        strides: stride of the block (on the 3x3 convolution, and the shortcut).
        bottleneck: use the 1x1-3x3-1x1 bottleneck (ResNet-50 and deeper).
        preactivation: v2 ordering (BN-ReLU before each convolution).
        shortcut: `"projection"` or `"zero_pad"`, used only when the shape changes.
        kernel_regularizer: applied to every convolution kernel.

    Input `[N, H, W, C]`; output `[N, ceil(H/strides), ceil(W/strides), filters_out]`.

    Example:

    ```python
    block = kerasdl.layers.ResidualBlock(32, strides=2, shortcut="projection")
    outputs = block(np.zeros((2, 16, 16, 16), "float32"))  # [2, 8, 8, 32]
    ```
    """

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        bottleneck: bool = False,
        preactivation: bool = False,
        shortcut: str = "projection",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if shortcut not in ("projection", "zero_pad"):
            raise ValueError(f"shortcut must be 'projection' or 'zero_pad', got {shortcut!r}")
        self.filters = filters
        self.strides = strides
        self.bottleneck = bottleneck
        self.preactivation = preactivation
        self.shortcut = shortcut
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.output_filters = 4 * filters if bottleneck else filters

    def _conv(self, filters, kernel_size, strides=1, name=None):
        return layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer=self.kernel_regularizer,
            name=name,
        )

    def build(self, input_shape):
        if self.bottleneck:
            specs = [(self.filters, 1, 1), (self.filters, 3, self.strides)]
            specs.append((self.output_filters, 1, 1))
        else:
            specs = [(self.filters, 3, self.strides), (self.filters, 3, 1)]
        self.convs = [self._conv(f, k, s, name=f"conv{i}") for i, (f, k, s) in enumerate(specs)]
        if self.preactivation:
            # v2: BN-ReLU before every conv (the first one on the block's input).
            self.norms = [layers.BatchNormalization(name=f"bn{i}") for i in range(len(specs))]
        else:
            # v1: BN after every conv. The last BN's scale starts at zero so each block
            # starts as the identity (Goyal et al. 2017), easing deep v1 nets.
            self.norms = [layers.BatchNormalization(name=f"bn{i}") for i in range(len(specs) - 1)]
            self.norms.append(layers.BatchNormalization(gamma_initializer="zeros", name="bn_last"))
        self.needs_projection = self.strides != 1 or input_shape[-1] != self.output_filters
        self.projection = self.projection_norm = None
        if self.needs_projection and self.shortcut == "projection":
            self.projection = self._conv(self.output_filters, 1, self.strides, name="projection")
            if not self.preactivation:
                self.projection_norm = layers.BatchNormalization(name="projection_bn")
        # Build every sub-layer (so weights exist before loading) by one symbolic pass.
        self.call(keras.KerasTensor(input_shape))

    def _shortcut(self, inputs, activated, training):
        if not self.needs_projection:
            return inputs
        if self.shortcut == "projection":
            # v2 projects the pre-activated input, as in He et al. 2016b.
            x = self.projection(activated if self.preactivation else inputs)
            if self.projection_norm is not None:
                x = self.projection_norm(x, training=training)
            return x
        x = inputs[:, :: self.strides, :: self.strides, :]
        missing = self.output_filters - inputs.shape[-1]
        return ops.pad(x, [[0, 0], [0, 0], [0, 0], [missing // 2, missing - missing // 2]])

    def call(self, inputs, training=None):
        if self.preactivation:
            activated = ops.relu(self.norms[0](inputs, training=training))
            x = self.convs[0](activated)
            for norm, conv in zip(self.norms[1:], self.convs[1:], strict=True):
                x = conv(ops.relu(norm(x, training=training)))
            return x + self._shortcut(inputs, activated, training)
        x = inputs
        for index, (conv, norm) in enumerate(zip(self.convs, self.norms, strict=True)):
            x = norm(conv(x), training=training)
            if index + 1 < len(self.convs):
                x = ops.relu(x)
        return ops.relu(x + self._shortcut(inputs, inputs, training))

    def compute_output_shape(self, input_shape):
        def reduce(size):
            return None if size is None else -(-size // self.strides)

        n, h, w, _ = input_shape
        return (n, reduce(h), reduce(w), self.output_filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            strides=self.strides,
            bottleneck=self.bottleneck,
            preactivation=self.preactivation,
            shortcut=self.shortcut,
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
        )
        return config
