"""The tagger's recipe (Huang et al. 2015; Lample et al. 2016; Ma & Hovy 2016), and the
pieces it builds.

100-d random vectors of lower-cased words (the character CNN sees the case), Ma & Hovy's
character CNN (30 filters of width 3), one BiLSTM of 200 units per direction, dropout
0.5 and singleton words replaced by OOV with p=0.5 (Lample et al.), BIOES tags with
decoding constraints, Adam with clipnorm 5, batches of 16 and a cosine decay over 12
epochs, early stopping on a 3 % validation split carved from train (on CoNLL-2000, batch
32 -> 16 and a 10 % -> 3 % split each gave about +0.1..0.3 F1; README).

The trainer (`python -m applications.sequence_labeling`), the benchmarks and the notebooks
import these, so the recipe is written once.

Example:

```python
from applications.sequence_labeling import recipes
from kerasdl.data import tagging

corpus = tagging.TaggedCorpus([["Ann", "ran"]], [["B-PER", "O"]], "example")
tags = tagging.TagVocabulary.from_corpus(corpus)
hp = recipes.hyperparameters()
preprocessor = recipes.preprocessor(hp, corpus)
model = recipes.build_model(hp, preprocessor, tags, scheme="IOB2")
model.compile(optimizer="adam", loss=recipes.loss(hp), metrics=recipes.metrics())
```
"""

from __future__ import annotations

import types

import keras

import kerasdl
from kerasdl import models
from kerasdl.data import tagging
from kerasdl.data.embeddings import PretrainedEmbeddings
from kerasdl.models.bilstm_crf import transition_constraints

MODELS = ("bilstm_crf", "bilstm_softmax")

# Every hyperparameter the trainer's flags set, at its flag default.
DEFAULTS = dict(
    model="bilstm_crf",
    epochs=12,
    batch_size=16,
    learning_rate=2e-3,
    early_stopping_patience=5,
    validation_fraction=0.03,
    char_features="cnn",
    word_dim=100,
    char_units=30,
    lstm_units=200,
    lstm_layers=1,
    dropout=0.5,
    lowercase=True,
    normalize_digits=True,
    min_count=1,
    singleton_unk_rate=0.5,
    clipnorm=5.0,
    constrain_decoding=True,
    casing=False,
    feature_dim=25,
)
# Named recipes (`--recipe`): flags they set unless given. "default" assumes nothing about
# the files' other columns. "features" assumes column 1 holds part-of-speech tags (as in
# CoNLL-2000, CoNLL-2002 and CoNLL-2003) and embeds it with the casing class; the export
# then needs the POS tags at serving time (input `column_1`). Its characters go through a
# BiLSTM (Lample et al. 2016) instead of the CNN: better on both data sets measured (the
# README has the figures), at about 1.5x the training time. "features+glove" adds the
# GloVe 6B 50-d vectors (the `vectors` extra; GloVe is English).
RECIPES = {
    "default": {},
    "features": dict(feature_columns=["1"], casing=True, char_features="lstm"),
    "features+glove": dict(
        feature_columns=["1"], casing=True, char_features="lstm", embeddings="glove-6b-50d"
    ),
}
# The character CNN's filter width: shorter words are padded to it.
MIN_WORD_LENGTH = 3


def hyperparameters(**overrides) -> types.SimpleNamespace:
    """`DEFAULTS` with `overrides`, as attributes (what the trainer's flags hold)."""
    return types.SimpleNamespace(**{**DEFAULTS, **overrides})


def preprocessor(hp, train: tagging.TaggedCorpus) -> tagging.TaggingPreprocessor:
    """Word and character vocabularies of the training sentences (they travel inside the
    model as `StringLookup` layers)."""
    return tagging.TaggingPreprocessor.from_corpus(
        train,
        lowercase=hp.lowercase,
        normalize_digits=hp.normalize_digits,
        min_count=hp.min_count,
        min_word_length=MIN_WORD_LENGTH,
        casing=hp.casing,
    )


def build_model(
    hp,
    preprocessor: tagging.TaggingPreprocessor,
    tags: tagging.TagVocabulary,
    scheme: str | None,
    vectors: PretrainedEmbeddings | None = None,
) -> keras.Model:
    """`hp.model` over `preprocessor`'s features for `tags` (in `scheme`, whose forbidden
    transitions the CRF never decodes when `hp.constrain_decoding`)."""
    common = dict(
        word_vocabulary_size=preprocessor.word_vocabulary_size,
        num_tags=tags.num_tags,
        char_vocabulary_size=preprocessor.char_vocabulary_size,
        word_dim=hp.word_dim,
        char_features=hp.char_features,
        char_units=hp.char_units,
        lstm_units=hp.lstm_units,
        lstm_layers=hp.lstm_layers,
        dropout=hp.dropout,
        embeddings=None if vectors is None else vectors.matrix,
        column_vocabulary_sizes=preprocessor.column_vocabulary_sizes,
        casing=preprocessor.casing,
        feature_dim=hp.feature_dim,
    )
    if hp.model == "bilstm_softmax":
        return models.bilstm_softmax(**common)
    allowed = transition_constraints(tags.names, scheme) if hp.constrain_decoding else None
    return models.bilstm_crf(**common, allowed_transitions=allowed)


def loss(hp):
    """The CRF's negative log-likelihood, or token cross-entropy for the softmax tagger."""
    return (
        kerasdl.layers.CRFLoss() if hp.model == "bilstm_crf" else "sparse_categorical_crossentropy"
    )


def metrics() -> list[keras.metrics.Metric]:
    return [kerasdl.metrics.MaskedTokenAccuracy()]
