"""A bidirectional LSTM/GRU with additive attention pooling (Bahdanau et al. 2015; the
word-level encoder and attention of Yang et al. 2016, "Hierarchical Attention Networks for
Document Classification", sec. 2.2).

token ids -> embeddings -> BiLSTM/BiGRU (all steps) -> `AttentionPooling` -> dropout ->
softmax. The attention layer is named `attention`; `attention_model(model)` gives the
model from token ids to its per-token weights, for inspection and for export.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from kerasdl.data.embeddings import embed_tokens
from kerasdl.layers.text import AttentionPooling


def rnn_attention(
    vocabulary_size: int,
    num_classes: int,
    embedding_dim: int = 128,
    cell: str = "lstm",
    units: int = 64,
    attention_units: int = 64,
    dropout: float = 0.5,
    embeddings: np.ndarray | None = None,
    embeddings_mode: str = "rand",
    name: str | None = None,
) -> keras.Model:
    """BiRNN + attention: token ids `[B, T]` int32 -> probabilities `[B, num_classes]`.

    Args:
        vocabulary_size, num_classes: ids and classes.
        embedding_dim: width of random embeddings.
        cell: `lstm` or `gru`.
        units: per direction (the pooled feature is `2 * units` wide).
        attention_units: width of the attention's hidden layer `u_t`.
        dropout: on the embeddings and on the pooled feature.
        embeddings, embeddings_mode: see `kerasdl.data.embeddings.embed_tokens`.

    Example:

    ```python
    model = kerasdl.models.rnn_attention(100, num_classes=2, embedding_dim=16, units=8)
    model.compile("adam", loss="sparse_categorical_crossentropy")
    probabilities = model(np.array([[5, 9, 2, 0, 0]]))  # [1, 2]
    ```
    """
    recurrent = {"lstm": layers.LSTM, "gru": layers.GRU}.get(cell)
    if recurrent is None:
        raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = embed_tokens(token_ids, vocabulary_size, embedding_dim, embeddings, embeddings_mode)
    x = layers.Dropout(dropout / 2, name="embedding_dropout")(x)
    x = layers.Bidirectional(recurrent(units, return_sequences=True), name=f"bi{cell}")(x)
    pooled, _ = AttentionPooling(attention_units, name="attention")(x, return_attention_scores=True)
    x = layers.Dropout(dropout, name="dropout")(pooled)
    outputs = layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(x)
    return keras.Model(token_ids, outputs, name=name or f"bi{cell}_attention")


def attention_model(model: keras.Model) -> keras.Model:
    """The sub-model `token_ids [B, T] -> attention weights [B, T]` of an `rnn_attention`
    model (it shares the model's weights).

    Example:

    ```python
    model = kerasdl.models.rnn_attention(100, num_classes=2, embedding_dim=16, units=8)
    weights = kerasdl.models.attention_model(model)(np.array([[5, 9, 2, 0, 0]]))  # [1, 5]
    ```
    """
    _, weights = model.get_layer("attention").output
    return keras.Model(model.input, weights, name=f"{model.name}_weights")
