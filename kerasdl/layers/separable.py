"""Depthwise-separable blocks: MobileNet v1 and v2, and squeeze-and-excitation.

- `DepthwiseSeparableBlock` (Howard et al. 2017, MobileNets): depthwise 3x3 -> BN -> ReLU6
  -> pointwise 1x1 -> BN -> ReLU6. A k x k convolution costs `k²·C·F` multiply-adds per
  pixel; this factorisation costs `k²·C + C·F`.
- `InvertedResidual` (Sandler et al. 2018, MobileNetV2): pointwise expansion -> depthwise
  3x3 -> (optional squeeze-excite, Hu et al. 2018) -> linear pointwise projection, with an
  identity shortcut when stride is 1 and channels match.
- `SqueezeExcite`: global average pool -> bottleneck MLP -> sigmoid channel gates.
"""

from __future__ import annotations

import keras
from keras import layers, ops

__all__ = ["DepthwiseSeparableBlock", "InvertedResidual", "SqueezeExcite"]


def _relu6(x):
    return ops.relu6(x)


@keras.saving.register_keras_serializable(package="kerasdl")
class SqueezeExcite(keras.layers.Layer):
    """Channel attention of Hu et al. 2018: `x * sigmoid(W2 relu(W1 mean_hw(x)))`.

    Args:
        ratio: bottleneck width as a fraction of the input channels.

    Example:

    ```python
    outputs = kerasdl.layers.SqueezeExcite(ratio=0.25)(np.random.rand(2, 8, 8, 16))  # [2, 8, 8, 16]
    ```
    """

    def __init__(self, ratio: float = 0.25, **kwargs):
        super().__init__(**kwargs)
        self.ratio = ratio

    def build(self, input_shape):
        channels = input_shape[-1]
        self.reduce = layers.Dense(max(1, int(channels * self.ratio)), activation="relu")
        self.expand = layers.Dense(channels, activation="sigmoid")
        self.reduce.build((None, channels))
        self.expand.build((None, self.reduce.units))

    def call(self, inputs):
        gates = self.expand(self.reduce(ops.mean(inputs, axis=(1, 2))))
        return inputs * gates[:, None, None, :]

    def get_config(self):
        return {**super().get_config(), "ratio": self.ratio}


@keras.saving.register_keras_serializable(package="kerasdl")
class DepthwiseSeparableBlock(keras.layers.Layer):
    """MobileNet v1 block. Input `[N, H, W, C]` -> `[N, H/strides, W/strides, filters]`.

    Example:

    ```python
    block = kerasdl.layers.DepthwiseSeparableBlock(32, strides=2)
    outputs = block(np.zeros((2, 16, 16, 8), "float32"))  # [2, 8, 8, 32]
    ```
    """

    def __init__(self, filters: int, strides: int = 1, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.strides = strides
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        self.depthwise = layers.DepthwiseConv2D(
            3, strides=self.strides, padding="same", use_bias=False, name="depthwise"
        )
        self.depthwise_norm = layers.BatchNormalization(name="depthwise_bn")
        self.pointwise = layers.Conv2D(
            self.filters,
            1,
            use_bias=False,
            kernel_regularizer=self.kernel_regularizer,
            name="pointwise",
        )
        self.pointwise_norm = layers.BatchNormalization(name="pointwise_bn")
        self.call(keras.KerasTensor(input_shape))  # builds the sub-layers

    def call(self, inputs, training=None):
        x = _relu6(self.depthwise_norm(self.depthwise(inputs), training=training))
        return _relu6(self.pointwise_norm(self.pointwise(x), training=training))

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        reduce = lambda size: None if size is None else -(-size // self.strides)
        return (n, reduce(h), reduce(w), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "strides": self.strides,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


@keras.saving.register_keras_serializable(package="kerasdl")
class InvertedResidual(keras.layers.Layer):
    """MobileNetV2 block: expand x`expansion` -> depthwise 3x3 -> [SE] -> linear project.

    Args:
        filters: output channels.
        strides: depthwise stride.
        expansion: width of the expanded representation, in input channels.
        squeeze_excite: add a `SqueezeExcite` after the depthwise convolution.

    Example:

    ```python
    block = kerasdl.layers.InvertedResidual(16, expansion=6, squeeze_excite=True)
    outputs = block(np.zeros((2, 16, 16, 16), "float32"))  # [2, 16, 16, 16], with a skip
    ```
    """

    def __init__(
        self,
        filters: int,
        strides: int = 1,
        expansion: int = 6,
        squeeze_excite: bool = False,
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = filters
        self.strides = strides
        self.expansion = expansion
        self.squeeze_excite = squeeze_excite
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        channels = input_shape[-1]
        conv = lambda filters, name: layers.Conv2D(
            filters, 1, use_bias=False, kernel_regularizer=self.kernel_regularizer, name=name
        )
        self.expand = conv(channels * self.expansion, "expand") if self.expansion != 1 else None
        self.expand_norm = layers.BatchNormalization(name="expand_bn") if self.expand else None
        self.depthwise = layers.DepthwiseConv2D(
            3, strides=self.strides, padding="same", use_bias=False, name="depthwise"
        )
        self.depthwise_norm = layers.BatchNormalization(name="depthwise_bn")
        self.excite = SqueezeExcite(name="squeeze_excite") if self.squeeze_excite else None
        self.project = conv(self.filters, "project")
        self.project_norm = layers.BatchNormalization(name="project_bn")
        self.residual = self.strides == 1 and channels == self.filters
        self.call(keras.KerasTensor(input_shape))  # builds the sub-layers

    def call(self, inputs, training=None):
        x = inputs
        if self.expand is not None:
            x = _relu6(self.expand_norm(self.expand(x), training=training))
        x = _relu6(self.depthwise_norm(self.depthwise(x), training=training))
        if self.excite is not None:
            x = self.excite(x)
        x = self.project_norm(self.project(x), training=training)  # linear bottleneck
        return x + inputs if self.residual else x

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        reduce = lambda size: None if size is None else -(-size // self.strides)
        return (n, reduce(h), reduce(w), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "strides": self.strides,
            "expansion": self.expansion,
            "squeeze_excite": self.squeeze_excite,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
