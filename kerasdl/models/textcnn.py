"""Kim's convolutional sentence classifier (Kim 2014, "Convolutional Neural Networks for
Sentence Classification").

token ids -> embeddings (rand / static / non-static / multichannel) -> `TextCNN` (widths
3, 4, 5 x 100 maps, ReLU, max-over-time pooling) -> dropout 0.5 -> softmax whose weight
vectors are kept to l2 norm <= 3 (Kim sec. 2.1: "rescale w to have ||w||_2 = s whenever
||w||_2 > s", s = 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from kerasdl.data.embeddings import embed_tokens
from kerasdl.layers.text import TextCNN


def textcnn(
    vocabulary_size: int,
    num_classes: int,
    embedding_dim: int = 300,
    filters: int = 100,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    dropout: float = 0.5,
    max_norm: float | None = 3.0,
    embeddings: np.ndarray | None = None,
    embeddings_mode: str = "rand",
    embedding_dropout: float = 0.0,
    name: str = "textcnn",
) -> keras.Model:
    """Kim's CNN: token ids `[B, T]` int32 (0 = padding) -> probabilities `[B, num_classes]`.

    Args:
        vocabulary_size: number of token ids (`TextPreprocessor.vocabulary_size`).
        num_classes: output classes.
        embedding_dim: width of random embeddings (Kim: 300, the word2vec width).
        filters, kernel_sizes: feature maps per width and the widths (Kim: 100; 3, 4, 5).
        dropout: on the pooled features (Kim: 0.5).
        max_norm: l2 limit of each output unit's weight vector (Kim: 3); None: off.
        embeddings, embeddings_mode: see `kerasdl.data.embeddings.embed_tokens`.
        embedding_dropout: dropout on the embeddings (not in Kim's recipe; 0 is off).

    The input needs at least `max(kernel_sizes)` positions (pad with
    `TextPreprocessor(min_length=max(kernel_sizes))`).

    Example:

    ```python
    model = kerasdl.models.textcnn(100, num_classes=2, embedding_dim=16, filters=8)
    model.compile("adadelta", loss="sparse_categorical_crossentropy")
    probabilities = model(np.array([[5, 9, 2, 7, 0, 0]]))  # [1, 2]
    ```
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = embed_tokens(token_ids, vocabulary_size, embedding_dim, embeddings, embeddings_mode)
    if embedding_dropout:
        x = layers.Dropout(embedding_dropout, name="embedding_dropout")(x)
    x = TextCNN(filters, kernel_sizes, name="textcnn_block")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(
        num_classes,
        activation="softmax",
        kernel_constraint=keras.constraints.MaxNorm(max_norm) if max_norm else None,
        dtype="float32",
        name="probabilities",
    )(x)
    return keras.Model(token_ids, outputs, name=name)
