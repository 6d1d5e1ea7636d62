"""ResNets of He et al. 2016: CIFAR-style (depth 6n+2) and ImageNet-style (18/34/50).

CIFAR-style (He et al. 2016a, section 4.2): a 3x3 conv with 16 filters, then three stages
of n basic blocks with 16, 32, 64 filters (stride 2 entering stages 2 and 3), global
average pooling and a softmax layer; depth 6n+2 = 20, 32, 44, 56, 110. ResNet-20 has
0.27 M parameters with the parameter-free `zero_pad` shortcuts the paper uses.

ImageNet-style: 7x7/2 conv + 3x3/2 max pool stem (a 3x3/1 stem without pooling for
images under 64 pixels), four stages of 64-512 filters: ResNet-18 and -34 with basic
blocks, ResNet-50 with bottlenecks.

`version=1` builds post-activation blocks, `version=2` the pre-activation blocks of
He et al. 2016b (with a final BN-ReLU before pooling).
"""

from __future__ import annotations

import keras
from keras import layers

from kerasdl.layers.residual import ResidualBlock

CIFAR_DEPTHS = (20, 32, 44, 56, 110)
IMAGENET_STAGES = {18: ((2, 2, 2, 2), False), 34: ((3, 4, 6, 3), False), 50: ((3, 4, 6, 3), True)}


def resnet(
    input_shape: tuple[int, int, int],
    num_classes: int,
    depth: int = 20,
    version: int = 1,
    width: float = 1.0,
    l2: float = 0.0,
    shortcut: str | None = None,
    normalizer: keras.layers.Layer | None = None,
    name: str | None = None,
) -> keras.Model:
    """A ResNet classifier.

    Args:
        input_shape: `(height, width, channels)`.
        num_classes: classes of the softmax output.
        depth: 20, 32, 44, 56, 110 (CIFAR-style) or 18, 34, 50 (ImageNet-style).
        version: 1 (post-activation) or 2 (pre-activation).
        width: multiplies every stage's filters (wide ResNets, Zagoruyko & Komodakis 2016).
        l2: L2 coefficient: adds l2·Σw² to the loss (a gradient decay of 2·l2), over
            convolution and dense kernels; He et al.'s weight decay 1e-4 is `l2=5e-5`.
        shortcut: `"zero_pad"` or `"projection"`; default: zero_pad for CIFAR-style
            (the paper's option A), projection for ImageNet-style (option B).
        normalizer: optional first layer, e.g. an adapted `Normalization`.

    Returns:
        An uncompiled `keras.Model` from float images to class probabilities.

    Example:

    ```python
    model = kerasdl.models.resnet((32, 32, 3), 10, depth=20, l2=5e-5)
    model.compile("sgd", loss="sparse_categorical_crossentropy")
    probabilities = model(np.zeros((2, 32, 32, 3), "float32"))  # [2, 10]
    ```
    """
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, got {version}")
    if depth not in CIFAR_DEPTHS and depth not in IMAGENET_STAGES:
        raise ValueError(
            f"depth must be one of {CIFAR_DEPTHS} (CIFAR-style) or "
            f"{tuple(IMAGENET_STAGES)} (ImageNet-style), got {depth}"
        )
    regularizer = keras.regularizers.L2(l2) if l2 else None
    preactivation = version == 2
    conv = lambda filters, kernel, strides=1: layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer=regularizer,
        name="stem_conv",
    )

    inputs = keras.Input(shape=input_shape, name="images")
    x = normalizer(inputs) if normalizer is not None else inputs
    if depth in CIFAR_DEPTHS:
        blocks_per_stage = (depth - 2) // 6
        stages = [(int(16 * width), blocks_per_stage, 1), (int(32 * width), blocks_per_stage, 2)]
        stages.append((int(64 * width), blocks_per_stage, 2))
        bottleneck = False
        shortcut = shortcut or "zero_pad"
        x = conv(int(16 * width), 3)(x)
    else:
        counts, bottleneck = IMAGENET_STAGES[depth]
        stages = [
            (int(f * width), n, 1 if i == 0 else 2)
            for i, (f, n) in enumerate(zip((64, 128, 256, 512), counts, strict=True))
        ]
        shortcut = shortcut or "projection"
        small = min(input_shape[:2]) < 64
        x = conv(int(64 * width), 3 if small else 7, 1 if small else 2)(x)
    if not preactivation:
        x = layers.ReLU()(layers.BatchNormalization(name="stem_bn")(x))
    if depth in IMAGENET_STAGES and min(input_shape[:2]) >= 64:
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)

    for stage, (filters, blocks, strides) in enumerate(stages):
        for block in range(blocks):
            x = ResidualBlock(
                filters,
                strides=strides if block == 0 else 1,
                bottleneck=bottleneck,
                preactivation=preactivation,
                shortcut=shortcut,
                kernel_regularizer=regularizer,
                name=f"stage{stage + 1}_block{block + 1}",
            )(x)
    if preactivation:
        x = layers.ReLU()(layers.BatchNormalization(name="final_bn")(x))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(
        num_classes,
        activation="softmax",
        kernel_regularizer=regularizer,
        dtype="float32",
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name=name or f"resnet{depth}_v{version}")
