"""MobileNet v1 (Howard et al. 2017) and v2 (Sandler et al. 2018) classifiers.

v1: a 3x3/2 conv stem and 13 depthwise-separable blocks (64 to 1024 filters).
v2: a 3x3/2 conv stem, 17 inverted-residual blocks (expansion 6) and a 1x1 conv to 1280,
optionally with squeeze-and-excitation in every block (as MobileNetV3 does).
`width_multiplier` (the paper's alpha) scales every layer's filters.

For images under 64 pixels (MNIST, CIFAR) the stem and the first stride-2 block keep
stride 1, the usual CIFAR adaptation, so the feature maps do not vanish.
"""

from __future__ import annotations

import keras
from keras import layers

from kerasdl.layers.separable import DepthwiseSeparableBlock, InvertedResidual

# (filters, strides) of the 13 v1 blocks.
V1_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
V1_BLOCKS += [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
# (expansion, filters, repeats, first stride) of the v2 stages.
V2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1)]
V2_STAGES += [(6, 160, 3, 2), (6, 320, 1, 1)]


def _scaled(filters: int, width_multiplier: float, divisor: int = 8) -> int:
    """Filters times alpha, rounded to a multiple of 8 without dropping more than 10 %."""
    scaled = max(divisor, int(filters * width_multiplier + divisor / 2) // divisor * divisor)
    return scaled + divisor if scaled < 0.9 * filters * width_multiplier else scaled


def mobilenet(
    input_shape: tuple[int, int, int],
    num_classes: int,
    version: int = 1,
    width_multiplier: float = 1.0,
    squeeze_excite: bool = False,
    dropout: float = 0.2,
    l2: float = 0.0,
    normalizer: keras.layers.Layer | None = None,
    name: str | None = None,
) -> keras.Model:
    """A MobileNet classifier (uncompiled) from float images to class probabilities.

    Args:
        input_shape: `(height, width, channels)`; under 64 pixels the first two strides of
            2 become 1.
        num_classes: classes of the softmax output.
        version: 1 (depthwise-separable blocks) or 2 (inverted residuals).
        width_multiplier: the paper's alpha, scaling every layer's filters.
        squeeze_excite: v2 only: squeeze-and-excitation in every block.
        dropout: rate before the classifier.
        l2: L2 coefficient: adds l2·Σw² to the loss (a gradient decay of 2·l2), over
            convolution and dense kernels.
        normalizer: optional first layer, e.g. an adapted `Normalization`.

    Returns:
        An uncompiled `keras.Model` mapping `[N, H, W, C]` floats to `[N, num_classes]`
        probabilities.

    Example:

    ```python
    model = kerasdl.models.mobilenet((32, 32, 3), 10, version=2, width_multiplier=0.25)
    probabilities = model(np.zeros((2, 32, 32, 3), "float32"))  # [2, 10]
    ```
    """
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, got {version}")
    if width_multiplier <= 0:
        raise ValueError(f"width_multiplier must be > 0, got {width_multiplier}")
    regularizer = keras.regularizers.L2(l2) if l2 else None
    small = min(input_shape[:2]) < 64
    strides_left_at_one = 2 if small else 0  # stem + first stride-2 block stay at stride 1

    def stride(requested: int) -> int:
        nonlocal strides_left_at_one
        if requested == 2 and strides_left_at_one:
            strides_left_at_one -= 1
            return 1
        return requested

    inputs = keras.Input(shape=input_shape, name="images")
    x = normalizer(inputs) if normalizer is not None else inputs
    stem_filters = _scaled(32, width_multiplier)
    x = layers.Conv2D(
        stem_filters,
        3,
        strides=stride(2),
        padding="same",
        use_bias=False,
        kernel_regularizer=regularizer,
        name="stem_conv",
    )(x)
    x = layers.ReLU(6.0)(layers.BatchNormalization(name="stem_bn")(x))
    if version == 1:
        for index, (filters, strides) in enumerate(V1_BLOCKS):
            x = DepthwiseSeparableBlock(
                _scaled(filters, width_multiplier),
                strides=stride(strides),
                kernel_regularizer=regularizer,
                name=f"block{index + 1}",
            )(x)
    else:
        index = 0
        for expansion, filters, repeats, first_stride in V2_STAGES:
            for repeat in range(repeats):
                index += 1
                x = InvertedResidual(
                    _scaled(filters, width_multiplier),
                    strides=stride(first_stride) if repeat == 0 else 1,
                    expansion=expansion,
                    squeeze_excite=squeeze_excite,
                    kernel_regularizer=regularizer,
                    name=f"block{index}",
                )(x)
        head = _scaled(1280, max(1.0, width_multiplier))
        x = layers.Conv2D(
            head, 1, use_bias=False, kernel_regularizer=regularizer, name="head_conv"
        )(x)
        x = layers.ReLU(6.0)(layers.BatchNormalization(name="head_bn")(x))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(
        num_classes,
        activation="softmax",
        kernel_regularizer=regularizer,
        dtype="float32",
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name=name or f"mobilenet_v{version}")
