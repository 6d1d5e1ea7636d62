"""BiLSTM-CRF sequence labellers (Huang et al. 2015; Lample et al. 2016; Ma & Hovy 2016).

    pre = kerasdl.data.tagging.TaggingPreprocessor.from_corpus(train)
    model = kerasdl.models.bilstm_crf(pre.word_vocabulary_size, tags.num_tags,
                                      char_vocabulary_size=pre.char_vocabulary_size)
    model.compile("adam", loss=kerasdl.layers.CRFLoss(),
                  metrics=[kerasdl.metrics.MaskedTokenAccuracy()])
    model.fit(make_dataset(train, pre, tags, ...))

Both builders take the feature dict of `TaggingPreprocessor` (`token_ids [B, T]`,
`char_ids [B, T, C]`, `lengths [B]`) and share everything below the output layer:

    word embedding (+ character CNN or character BiLSTM per word) -> dropout -> BiLSTM
    -> dropout -> CRF (`bilstm_crf`) or a softmax per token (`bilstm_softmax`).

The character models: Ma & Hovy 2016 (char embedding 30, dropout, one convolution of 30
filters of width 3, max over the word); Lample et al. 2016 (char embedding 25, a BiLSTM of
25 units per direction, the final states concatenated). Dropout follows Lample et al. on
the concatenated word representation, and Ma & Hovy on the BiLSTM output too.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from kerasdl.data.tagging import CASINGS
from kerasdl.layers.crf import CRF

CHAR_FEATURES = ("cnn", "lstm", "none")


@keras.saving.register_keras_serializable(package="kerasdl")
class CharacterCNN(layers.Layer):
    """Word features from characters by convolution and max-pooling (Ma & Hovy 2016, sec. 2.1).

    `char_ids [B, T, C]` (0 = padding) -> `[B, T, filters]`: embed each character,
    dropout, a width-`kernel_size` convolution with `same` padding over each word's
    characters, then the maximum over the word's real characters (0 for padded words).

    Example:

    ```python
    from kerasdl.models.bilstm_crf import CharacterCNN

    char_ids = np.array([[[5, 6, 7, 0], [8, 9, 0, 0], [0, 0, 0, 0]]])  # [B, T, C], 0 = padding
    features = CharacterCNN(20, filters=8)(char_ids)  # [1, 3, 8]
    ```
    """

    def __init__(
        self,
        vocabulary_size: int,
        embedding_dim: int = 30,
        filters: int = 30,
        kernel_size: int = 3,
        dropout: float = 0.5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.filters = filters
        self.kernel_size = kernel_size
        self.dropout = dropout
        # U(-sqrt(3/dim), sqrt(3/dim)) as Ma & Hovy initialise character embeddings.
        limit = float(np.sqrt(3.0 / embedding_dim))
        self.embedding = layers.Embedding(
            vocabulary_size,
            embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-limit, limit),
            name="char_embedding",
        )
        self.embedding_dropout = layers.Dropout(dropout)
        self.conv = layers.Conv2D(
            filters, (1, kernel_size), padding="same", activation="tanh", name="char_conv"
        )

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.conv.build((*input_shape, self.embedding_dim))

    def call(self, char_ids, training=None):
        x = self.embedding_dropout(self.embedding(char_ids), training=training)
        x = self.conv(x)  # [B, T, C, filters]
        present = ops.expand_dims(ops.not_equal(char_ids, 0), -1)
        x = ops.max(ops.where(present, x, -2.0), axis=2)  # tanh > -2: padding never wins
        return ops.where(x < -1.5, 0.0, x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            embedding_dim=self.embedding_dim,
            filters=self.filters,
            kernel_size=self.kernel_size,
            dropout=self.dropout,
        )
        return config


@keras.saving.register_keras_serializable(package="kerasdl")
class CharacterBiLSTM(layers.Layer):
    """Word features from a character BiLSTM (Lample et al. 2016, sec. 4.1).

    `char_ids [B, T, C]` (0 = padding) -> `[B, T, 2 * units]`: the final forward state
    and the final backward state over each word's characters, concatenated.

    Example:

    ```python
    from kerasdl.models.bilstm_crf import CharacterBiLSTM

    char_ids = np.array([[[5, 6, 7, 0], [8, 9, 0, 0], [0, 0, 0, 0]]])  # [B, T, C], 0 = padding
    features = CharacterBiLSTM(20, units=4)(char_ids)  # [1, 3, 8]
    ```
    """

    def __init__(self, vocabulary_size: int, embedding_dim: int = 25, units: int = 25, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.embedding = layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, name="char_embedding"
        )
        self.lstm = layers.Bidirectional(layers.LSTM(units), name="char_lstm")

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.lstm.build((None, None, self.embedding_dim))

    def call(self, char_ids, training=None):
        shape = ops.shape(char_ids)
        flat = ops.reshape(char_ids, (-1, shape[2]))
        x = self.embedding(flat)
        mask = ops.not_equal(flat, 0)
        x = self.lstm(x, mask=mask, training=training)  # [B*T, 2*units]
        x = ops.where(ops.any(mask, axis=1, keepdims=True), x, 0.0)
        return ops.reshape(x, (shape[0], shape[1], 2 * self.units))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], 2 * self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            embedding_dim=self.embedding_dim,
            units=self.units,
        )
        return config


def transition_constraints(tag_names: Sequence[str], scheme: str | None) -> np.ndarray | None:
    """Allowed transitions `[K, K]` bool of a tag scheme, for `CRF(allowed_transitions=...)`.

    `allowed[i, j]` permits tag `i` -> tag `j`. IOB2: `I-X` only after `B-X`/`I-X`.
    BIOES: `I-X`/`E-X` only after `B-X`/`I-X`, and after `B-X`/`I-X` only `I-X`/`E-X`.
    IOB1 and `None` (e.g. POS tags): no constraints, `None`.

    Example:

    ```python
    from kerasdl.models.bilstm_crf import transition_constraints

    allowed = transition_constraints(["O", "B-PER", "I-PER"], "IOB2")
    assert not allowed[0, 2]  # O -> I-PER is forbidden
    ```
    """
    if scheme not in ("IOB2", "BIOES"):
        return None
    parts = [(t.split("-", 1) + [""])[:2] if t != "O" else ["O", ""] for t in tag_names]
    k = len(parts)
    allowed = np.ones((k, k), bool)
    for j, (prefix, kind) in enumerate(parts):
        if prefix == "I" or (scheme == "BIOES" and prefix == "E"):
            for i, (previous, previous_kind) in enumerate(parts):
                allowed[i, j] = previous in ("B", "I") and previous_kind == kind
        if scheme == "BIOES" and prefix in ("B", "I"):
            for i, (following, following_kind) in enumerate(parts):
                allowed[j, i] &= following in ("I", "E") and following_kind == kind
    return allowed


def _encoder(
    word_vocabulary_size: int,
    char_vocabulary_size: int | None,
    word_dim: int,
    char_features: str,
    char_dim: int | None,
    char_units: int,
    lstm_units: int,
    lstm_layers: int,
    dropout: float,
    embeddings: np.ndarray | None,
    trainable_embeddings: bool,
    column_vocabulary_sizes: Sequence[int],
    casing: bool,
    feature_dim: int,
):
    """Inputs and the BiLSTM features `[B, T, 2 * lstm_units]` (masked at padding)."""
    if char_features not in CHAR_FEATURES:
        raise ValueError(f"char_features must be one of {CHAR_FEATURES}, got {char_features!r}")
    token_ids = keras.Input((None,), dtype="int32", name="token_ids")
    char_ids = keras.Input((None, None), dtype="int32", name="char_ids")
    lengths = keras.Input((), dtype="int32", name="lengths")
    inputs = {"token_ids": token_ids, "char_ids": char_ids, "lengths": lengths}
    if column_vocabulary_sizes:
        width = len(column_vocabulary_sizes)
        inputs["column_ids"] = keras.Input((None, width), dtype="int32", name="column_ids")
    if casing:
        inputs["casing_ids"] = keras.Input((None,), dtype="int32", name="casing_ids")
    if embeddings is not None:
        embeddings = np.asarray(embeddings, "float32")
        if embeddings.shape[0] != word_vocabulary_size:
            raise ValueError(
                f"embeddings have {embeddings.shape[0]} rows, vocabulary {word_vocabulary_size}"
            )
        word_dim = embeddings.shape[1]
    # U(-sqrt(3/dim), sqrt(3/dim)) as in Ma & Hovy 2016 for random word vectors.
    limit = float(np.sqrt(3.0 / word_dim))
    word_embedding = layers.Embedding(
        word_vocabulary_size,
        word_dim,
        embeddings_initializer=keras.initializers.RandomUniform(-limit, limit),
        trainable=trainable_embeddings,
        mask_zero=True,
        name="word_embedding",
    )
    words = word_embedding(token_ids)
    if embeddings is not None:
        # Assigned, not a Constant initializer: the matrix stays out of the model's config.
        word_embedding.embeddings.assign(embeddings)
    if char_features != "none":
        if not char_vocabulary_size:
            raise ValueError("char_features needs char_vocabulary_size")
        if char_features == "cnn":
            chars = CharacterCNN(
                char_vocabulary_size,
                embedding_dim=char_dim or 30,
                filters=char_units,
                dropout=dropout,
                name="char_cnn",
            )(char_ids)
        else:
            chars = CharacterBiLSTM(
                char_vocabulary_size,
                embedding_dim=char_dim or 25,
                units=char_units,
                name="char_bilstm",
            )(char_ids)
        pieces = [words, chars]
    else:
        pieces = [words]
    # Token features: each feature column (a POS tag, say) and the casing class get
    # their own small embedding, concatenated with the word's.
    for i, size in enumerate(column_vocabulary_sizes):
        column = layers.Embedding(size, feature_dim, name=f"column_embedding_{i}")
        pieces.append(column(inputs["column_ids"][:, :, i]))
    if casing:
        pieces.append(
            layers.Embedding(len(CASINGS), feature_dim, name="casing_embedding")(
                inputs["casing_ids"]
            )
        )
    x = layers.Concatenate(name="word_features")(pieces) if len(pieces) > 1 else words
    x = layers.Dropout(dropout, name="input_dropout")(x)
    for i in range(lstm_layers):
        x = layers.Bidirectional(
            layers.LSTM(lstm_units, return_sequences=True), name=f"bilstm_{i + 1}"
        )(x)
    x = layers.Dropout(dropout, name="output_dropout")(x)
    return inputs, x


def bilstm_crf(
    word_vocabulary_size: int,
    num_tags: int,
    char_vocabulary_size: int | None = None,
    word_dim: int = 100,
    char_features: str = "cnn",
    char_dim: int | None = None,
    char_units: int = 30,
    lstm_units: int = 100,
    lstm_layers: int = 1,
    dropout: float = 0.5,
    embeddings: np.ndarray | None = None,
    trainable_embeddings: bool = True,
    column_vocabulary_sizes: Sequence[int] = (),
    casing: bool = False,
    feature_dim: int = 25,
    allowed_transitions: np.ndarray | None = None,
    allowed_start: np.ndarray | None = None,
    allowed_end: np.ndarray | None = None,
    name: str = "bilstm_crf",
) -> keras.Model:
    """BiLSTM-CRF tagger (Huang et al. 2015) with character word features (Lample et al.
    2016 char BiLSTM, or Ma & Hovy 2016 char CNN).

    Args:
        word_vocabulary_size: word ids including padding 0 and OOV 1
            (`TaggingPreprocessor.word_vocabulary_size`).
        num_tags: `K`.
        char_vocabulary_size: character ids including padding and OOV.
        word_dim: width of random word vectors (ignored with `embeddings`).
        char_features: "cnn", "lstm" or "none".
        char_dim: character embedding width (default 30 for cnn, 25 for lstm).
        char_units: CNN filters, or char-LSTM units per direction.
        lstm_units: word BiLSTM units per direction; `lstm_layers` stacked.
        dropout: rate on the word representation and on the BiLSTM output (and on the
            character embeddings of the CNN).
        embeddings: optional pretrained `[word_vocabulary_size, dim]` matrix.
        column_vocabulary_sizes: one per feature column of the preprocessor
            (`TaggingPreprocessor.column_vocabulary_sizes`): the model takes `column_ids
            [B, T, F]` and embeds each column in `feature_dim` dimensions.
        casing: take `casing_ids [B, T]` (`kerasdl.data.tagging.casing`), embedded in
            `feature_dim` dimensions.
        allowed_transitions: `[K, K]` bool decoding constraints for the CRF
            (`transition_constraints(tag_names, scheme)`).
        allowed_start, allowed_end: `[K]` bool: tags a row may start or end with.

    Returns:
        A model from the feature dict to Viterbi tags `[B, T]` int32 (0 at padding);
        train it with `kerasdl.layers.CRFLoss`.

    Example:

    ```python
    model = kerasdl.models.bilstm_crf(
        50, num_tags=3, char_vocabulary_size=20, word_dim=16, char_units=8, lstm_units=8
    )
    model.compile("adam", loss=kerasdl.layers.CRFLoss())
    features = {
        "token_ids": np.array([[2, 3, 4, 0]]),
        "char_ids": np.array([[[5, 6], [7, 0], [8, 9], [0, 0]]]),
        "lengths": np.array([3]),
    }
    tags = model.predict(features, verbose=0)  # [1, 4] int32, 0 at padding
    ```
    """
    inputs, x = _encoder(
        word_vocabulary_size,
        char_vocabulary_size,
        word_dim,
        char_features,
        char_dim,
        char_units,
        lstm_units,
        lstm_layers,
        dropout,
        embeddings,
        trainable_embeddings,
        column_vocabulary_sizes,
        casing,
        feature_dim,
    )
    tags = CRF(
        num_tags,
        allowed_transitions=allowed_transitions,
        allowed_start=allowed_start,
        allowed_end=allowed_end,
        name="crf",
    )(x, sequence_lengths=inputs["lengths"])
    return keras.Model(inputs, tags, name=name)


def bilstm_softmax(
    word_vocabulary_size: int,
    num_tags: int,
    char_vocabulary_size: int | None = None,
    word_dim: int = 100,
    char_features: str = "cnn",
    char_dim: int | None = None,
    char_units: int = 30,
    lstm_units: int = 100,
    lstm_layers: int = 1,
    dropout: float = 0.5,
    embeddings: np.ndarray | None = None,
    trainable_embeddings: bool = True,
    column_vocabulary_sizes: Sequence[int] = (),
    casing: bool = False,
    feature_dim: int = 25,
    name: str = "bilstm_softmax",
) -> keras.Model:
    """The baseline: `bilstm_crf`'s encoder with an independent softmax per token.

    Returns a model from the feature dict to tag probabilities `[B, T, K]` float32
    carrying the token mask; train it with `sparse_categorical_crossentropy` (Keras
    ignores masked positions).

    Example:

    ```python
    model = kerasdl.models.bilstm_softmax(50, num_tags=3, char_features="none", lstm_units=8)
    model.compile("adam", loss="sparse_categorical_crossentropy")
    features = {
        "token_ids": np.array([[2, 3, 4, 0]]),
        "char_ids": np.zeros((1, 4, 1), "int32"),
        "lengths": np.array([3]),
    }
    probabilities = model.predict(features, verbose=0)  # [1, 4, 3]
    ```
    """
    inputs, x = _encoder(
        word_vocabulary_size,
        char_vocabulary_size,
        word_dim,
        char_features,
        char_dim,
        char_units,
        lstm_units,
        lstm_layers,
        dropout,
        embeddings,
        trainable_embeddings,
        column_vocabulary_sizes,
        casing,
        feature_dim,
    )
    probabilities = layers.Dense(num_tags, activation="softmax", dtype="float32", name="tags")(x)
    return keras.Model(inputs, probabilities, name=name)
