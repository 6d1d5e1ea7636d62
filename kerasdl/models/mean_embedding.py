"""The mean-of-embeddings baseline: a bag of words with learned vectors (the "NBOW" of
Kalchbrenner et al. 2014; fastText without n-grams, Joulin et al. 2017).

token ids -> embeddings -> masked mean over tokens -> dropout -> softmax.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from kerasdl.data.embeddings import embed_tokens


def mean_embedding(
    vocabulary_size: int,
    num_classes: int,
    embedding_dim: int = 128,
    dropout: float = 0.5,
    embeddings: np.ndarray | None = None,
    embeddings_mode: str = "rand",
    name: str = "mean_embedding",
) -> keras.Model:
    """Token ids `[B, T]` int32 (0 = padding) -> probabilities `[B, num_classes]`.

    Example:

    ```python
    model = kerasdl.models.mean_embedding(100, num_classes=2, embedding_dim=16)
    probabilities = model(np.array([[5, 9, 2, 0, 0]]))  # [1, 2]
    ```
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = embed_tokens(token_ids, vocabulary_size, embedding_dim, embeddings, embeddings_mode)
    x = layers.GlobalAveragePooling1D(name="mean_pool")(x)  # masked mean
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(x)
    return keras.Model(token_ids, outputs, name=name)
