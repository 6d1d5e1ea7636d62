"""A small Transformer encoder classifier (Vaswani et al. 2017; classification by masked
mean pooling of the final states).

token ids -> embeddings + learned positions -> `num_layers` x `TransformerEncoder` ->
masked mean over tokens -> dropout -> softmax.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from kerasdl.data.embeddings import embed_tokens
from kerasdl.layers.text import PositionEmbedding, TransformerEncoder


def transformer(
    vocabulary_size: int,
    num_classes: int,
    max_length: int = 512,
    embedding_dim: int = 128,
    num_layers: int = 2,
    num_heads: int = 4,
    intermediate_dim: int = 256,
    dropout: float = 0.1,
    embeddings: np.ndarray | None = None,
    embeddings_mode: str = "rand",
    name: str = "transformer",
) -> keras.Model:
    """Encoder classifier: token ids `[B, T]` int32, `T <= max_length` -> probabilities.

    Args:
        vocabulary_size, num_classes: ids and classes.
        max_length: most positions (cut longer texts with `TextPreprocessor(max_length=...)`).
        embedding_dim: model width (random embeddings; pretrained ones bring their own).
        num_layers, num_heads, intermediate_dim, dropout: of the encoder blocks.
        embeddings, embeddings_mode: see `kerasdl.data.embeddings.embed_tokens`.

    Example:

    ```python
    model = kerasdl.models.transformer(
        100, num_classes=2, max_length=16, embedding_dim=16, num_heads=2, intermediate_dim=32
    )
    probabilities = model(np.array([[5, 9, 2, 7, 0, 0]]))  # [1, 2]
    ```
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = embed_tokens(token_ids, vocabulary_size, embedding_dim, embeddings, embeddings_mode)
    x = PositionEmbedding(max_length, name="positions")(x)
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    for index in range(num_layers):
        x = TransformerEncoder(
            num_heads, intermediate_dim, dropout=dropout, name=f"encoder{index + 1}"
        )(x)
    x = layers.GlobalAveragePooling1D(name="mean_pool")(x)  # masked mean
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(x)
    return keras.Model(token_ids, outputs, name=name)
