"""A recurrent image classifier that reads an image one pixel row at a time.

Each of the H rows (W·C values) is one time step of a (bidirectional) LSTM or GRU; the
last hidden state(s) feed a softmax layer. On MNIST this is the classic "row-by-row"
RNN benchmark (e.g. Le et al. 2015 use pixel-by-pixel; rows are the easier variant).
"""

from __future__ import annotations

import keras
from keras import layers


def row_rnn(
    input_shape: tuple[int, int, int],
    num_classes: int,
    cell: str = "lstm",
    units: int = 128,
    num_layers: int = 1,
    bidirectional: bool = True,
    dropout: float = 0.2,
    normalizer: keras.layers.Layer | None = None,
    name: str | None = None,
) -> keras.Model:
    """An LSTM/GRU over image rows: `[N, H, W, C]` -> `[N, num_classes]` probabilities.

    Example:

    ```python
    model = kerasdl.models.row_rnn((28, 28, 1), 10, units=16)
    probabilities = model(np.zeros((2, 28, 28, 1), "float32"))  # [2, 10]
    ```
    """
    recurrent = {"lstm": layers.LSTM, "gru": layers.GRU}.get(cell)
    if recurrent is None:
        raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
    height, width, channels = input_shape
    inputs = keras.Input(shape=input_shape, name="images")
    x = normalizer(inputs) if normalizer is not None else inputs
    x = layers.Reshape((height, width * channels), name="rows")(x)
    for index in range(num_layers):
        rnn = recurrent(units, return_sequences=index + 1 < num_layers, name=f"{cell}{index + 1}")
        x = layers.Bidirectional(rnn)(x) if bidirectional else rnn(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name=name or f"row_{cell}")
