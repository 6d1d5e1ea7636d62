"""The text classifier's recipes: defaults per model, and the pieces they build.

The trainer (`python -m applications.text_classification`), the benchmarks and the
notebooks import these, so a recipe is written once.

textcnn is Kim 2014's network unchanged (300-d embeddings, widths 3/4/5 x 100 maps,
dropout 0.5, max-norm 3) trained the fast way: Adam instead of Adadelta, length-bucketed
batches instead of padding every text to the longest, a cosine schedule over 3 epochs
instead of 25, label smoothing 0.1 (Szegedy et al. 2016; +0.4 on MR, +0.8 on TREC in our
runs), and the epoch with the best validation accuracy kept.

Example:

```python
from applications.text_classification import recipes

hp = recipes.hyperparameters("textcnn")
preprocessor = recipes.preprocessor(hp, ["a fine film", "a dull one"])
model = recipes.build_model(hp, preprocessor, num_classes=2)
```
"""

from __future__ import annotations

import types
from collections.abc import Sequence

import keras

import kerasdl
from kerasdl import models
from kerasdl.data import text
from kerasdl.data.embeddings import PretrainedEmbeddings

# Every hyperparameter the trainer's flags set, at its flag default.
DEFAULTS = dict(
    model="textcnn",
    epochs=3,
    batch_size=50,
    learning_rate=1e-3,
    embedding_dim=300,
    embeddings_mode=None,
    embeddings_std=0.0,
    min_count=1,
    max_tokens=0,
    max_length=400,
    split_punctuation=False,
    bucket=True,
    filters=100,
    kernel_sizes=[3, 4, 5],
    dropout=None,
    rnn_cell="lstm",
    units=64,
    num_layers=2,
    num_heads=4,
    label_smoothing=0.0,
    early_stopping_patience=0,
    seed=42,
)

RECIPES = {
    "textcnn": dict(
        epochs=3, batch_size=50, learning_rate=1e-3, embedding_dim=300, label_smoothing=0.1
    ),
    "rnn_attention": dict(epochs=4, batch_size=50, learning_rate=2e-3, embedding_dim=128),
    "transformer": dict(epochs=6, batch_size=50, learning_rate=5e-4, embedding_dim=128),
    "mean_embedding": dict(epochs=4, batch_size=50, learning_rate=5e-3, embedding_dim=128),
}
MODELS = tuple(RECIPES)


def hyperparameters(model: str = "textcnn", **overrides) -> types.SimpleNamespace:
    """`DEFAULTS`, then `RECIPES[model]`, then `overrides`, as attributes (what the
    trainer's flags hold after the model's defaults are applied)."""
    return types.SimpleNamespace(**{**DEFAULTS, "model": model, **RECIPES[model], **overrides})


def kernel_sizes(hp) -> list[int]:
    """textcnn's window widths (`hp.kernel_sizes` may hold strings, as a list flag does)."""
    return [int(size) for size in hp.kernel_sizes]


def preprocessor(hp, texts: Sequence[str]) -> text.TextPreprocessor:
    """The vocabulary of `texts` (training texts only) with the recipe's tokenisation;
    textcnn's texts are padded to its widest window."""
    return text.TextPreprocessor.from_texts(
        texts,
        min_count=hp.min_count,
        max_tokens=hp.max_tokens or None,
        split_punctuation=hp.split_punctuation,
        max_length=hp.max_length,
        min_length=max(kernel_sizes(hp)) if hp.model == "textcnn" else 1,
    )


def build_model(
    hp,
    preprocessor: text.TextPreprocessor,
    num_classes: int,
    vectors: PretrainedEmbeddings | None = None,
) -> keras.Model:
    """`hp.model` over `preprocessor`'s token ids, with `vectors` (read for any
    vocabulary that contains this one) as `hp.embeddings_mode` says."""
    embeddings, mode = None, hp.embeddings_mode or "rand"
    if vectors is not None:
        # textcnn keeps its 300-d random embeddings and adds the vectors as a frozen
        # channel: replacing them by 50-d GloVe (non-static) fell from 76.8 to 72.5 on MR,
        # adding them rose to 81.3 (README).
        mode = hp.embeddings_mode or ("rand+static" if hp.model == "textcnn" else "non-static")
        vectors = vectors.for_vocabulary(preprocessor.get_vocabulary(), seed=hp.seed)
        if hp.embeddings_std:
            vectors = vectors.rescaled(hp.embeddings_std)
        embeddings = vectors.matrix
        print(f"{vectors.source}: vectors for {vectors.found} of {len(vectors.matrix) - 2} words")
    common = dict(embedding_dim=hp.embedding_dim, embeddings=embeddings, embeddings_mode=mode)
    if hp.dropout is not None:
        common["dropout"] = hp.dropout
    size = preprocessor.vocabulary_size
    if hp.model == "textcnn":
        return models.textcnn(
            size, num_classes, filters=hp.filters, kernel_sizes=kernel_sizes(hp), **common
        )
    if hp.model == "rnn_attention":
        return models.rnn_attention(size, num_classes, cell=hp.rnn_cell, units=hp.units, **common)
    if hp.model == "transformer":
        return models.transformer(
            size,
            num_classes,
            max_length=hp.max_length,
            num_layers=hp.num_layers,
            num_heads=hp.num_heads,
            **common,
        )
    return models.mean_embedding(size, num_classes, **common)


def loss(hp) -> keras.losses.Loss:
    """Cross-entropy on class ids with `hp.label_smoothing`."""
    return kerasdl.losses.SparseCategoricalCrossentropy(label_smoothing=hp.label_smoothing)


def metrics() -> list[keras.metrics.Metric]:
    # Named, not "accuracy": Keras reads that as binary accuracy when the model has one
    # output column (a training file with one class), scoring hits as 0.
    return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def best_epoch(hp) -> kerasdl.callbacks.EarlyStopping:
    """Keeps the weights of the epoch with the best validation accuracy (Kim 2014 uses a
    dev set for early stopping); of equal epochs the later one, which has seen the lower
    learning rates of the cosine schedule (on TREC the 10 % dev split plateaus early)."""
    return kerasdl.callbacks.EarlyStopping(
        monitor="val_accuracy",
        mode="max",
        patience=hp.early_stopping_patience or hp.epochs,
        restore_best_weights=True,
        ties="later",
    )
