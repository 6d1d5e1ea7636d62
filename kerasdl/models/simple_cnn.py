"""A LeNet-style convolutional classifier (LeCun et al. 1998), sized for small images."""

from __future__ import annotations

import keras
from keras import layers


def simple_cnn(
    input_shape: tuple[int, int, int],
    num_classes: int,
    filters: tuple[int, ...] = (32, 64),
    dense_units: int = 128,
    dropout: float = 0.3,
    width: float = 1.0,
    l2: float = 0.0,
    normalizer: keras.layers.Layer | None = None,
    name: str = "simple_cnn",
) -> keras.Model:
    """Conv-BN-ReLU stages, each followed by 2x2 max pooling, then Dense + softmax.

    Args:
        input_shape: `(height, width, channels)` of float images.
        num_classes: number of output classes.
        filters: filters of each 3x3 convolution stage (two convolutions a stage).
        dense_units: width of the hidden dense layer.
        dropout: dropout rate before the classifier.
        width: multiplies every layer's filters and units.
        l2: L2 coefficient: adds l2·Σw² to the loss (a gradient decay of 2·l2), over
            every kernel.
        normalizer: an optional layer applied first (e.g. an adapted `Normalization`),
            so the statistics of the training data travel inside the model.

    Returns:
        An uncompiled model mapping `[N, H, W, C]` floats to `[N, num_classes]` probabilities.

    Example:

    ```python
    model = kerasdl.models.simple_cnn((28, 28, 1), 10, filters=(8, 16), dense_units=32)
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.random.rand(8, 28, 28, 1), np.arange(8) % 10, epochs=1, verbose=0)
    ```
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=input_shape, name="images")
    x = normalizer(inputs) if normalizer is not None else inputs
    for stage, stage_filters in enumerate(filters):
        for conv in range(2):
            x = layers.Conv2D(
                int(stage_filters * width),
                3,
                padding="same",
                use_bias=False,
                kernel_regularizer=regularizer,
                name=f"conv{stage + 1}_{conv + 1}",
            )(x)
            x = layers.BatchNormalization(name=f"bn{stage + 1}_{conv + 1}")(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"pool{stage + 1}")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(
        int(dense_units * width), activation="relu", kernel_regularizer=regularizer, name="hidden"
    )(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(
        num_classes,
        activation="softmax",
        kernel_regularizer=regularizer,
        dtype="float32",
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name=name)
