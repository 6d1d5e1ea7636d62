"""Sequence labeling: `python -m applications.sequence_labeling [flags]`.

The recipe (`recipes.py`): read CoNLL column files (`--train_file --valid_file
--test_file`) or a TFDS name (`--dataset conll2003`, `conll2002`, `wikiann`), rewrite the
chunk tags to BIOES for training, carve a validation split from train when there is no
`--valid_file`, build word and character vocabularies (they travel inside the model as
`StringLookup` layers), train a BiLSTM-CRF with a character CNN on batches bucketed by
length, Adam with gradient clipping and a cosine schedule, score the test set with
conlleval's chunk F1 (`conlleval.txt`/`.json` per type in model_dir), write
`metrics.json`, and export a SavedModel whose `serving_default` takes token strings
`[B, T]` (`""` = padding) and returns tag strings, Viterbi decoding in the graph.
"""

import re
import types

import keras
import numpy as np
import tensorflow as tf
from absl import flags

from applications.sequence_labeling import recipes
from kerasdl import conlleval, trainer
from kerasdl.callbacks import EarlyStopping
from kerasdl.data import splits, tagging
from kerasdl.data.embeddings import coverage
from kerasdl.data.epochs import EpochShuffle
from kerasdl.experiment import Experiment
from kerasdl.export import tagger_serving
from kerasdl.models.bilstm_crf import CHAR_FEATURES

TASK = "sequence_labeling"
hp = recipes.DEFAULTS
trainer.define_common_flags(task=TASK, defaults=recipes.DEFAULTS)
trainer.define_dataset_flags("conll2003, conll2002 (conll2002/es), wikiann/en")
trainer.define_file_flags("CoNLL columns, a blank line between sentences")
trainer.define_model_flag(recipes.MODELS, "The tagger.")
flags.DEFINE_enum(
    "recipe", "default", list(recipes.RECIPES), "Named settings for unset flags (recipes.py)."
)
trainer.define_dropout_flag(hp["dropout"])
trainer.define_vocabulary_flags()
flags.DEFINE_string("tag_key", None, "TFDS tag feature (default ner/tags; e.g. pos, chunks).")
flags.DEFINE_integer("token_column", 0, "Column of the token (0-based; negative from the end).")
flags.DEFINE_integer("tag_column", -1, "Column of the tag (default the last).")
flags.DEFINE_string("tag_scheme", "auto", "Input tag scheme: auto, IOB1, IOB2 (BIO), BIOES, none.")
flags.DEFINE_string("train_scheme", "auto", "Scheme to train in: auto (BIOES when possible).")
flags.DEFINE_string("output_scheme", None, "Scheme of reported and served tags (default: input).")
flags.DEFINE_enum("char_features", hp["char_features"], CHAR_FEATURES, "Character word features.")
flags.DEFINE_integer("word_dim", hp["word_dim"], "Width of random word vectors.")
flags.DEFINE_integer("char_units", hp["char_units"], "Character CNN filters / char-LSTM units.")
flags.DEFINE_integer("lstm_units", hp["lstm_units"], "Word BiLSTM units per direction.")
flags.DEFINE_integer("lstm_layers", hp["lstm_layers"], "Stacked word BiLSTMs.")
flags.DEFINE_bool("lowercase", hp["lowercase"], "Lower-case words for the word vocabulary.")
flags.DEFINE_bool("normalize_digits", True, "Map every digit to 0 for the word vocabulary.")
flags.DEFINE_float("singleton_unk_rate", 0.5, "Replace training singletons by OOV with this p.")
flags.DEFINE_float("clipnorm", hp["clipnorm"], "Clip each gradient to this norm; 0: off.")
flags.DEFINE_bool("constrain_decoding", True, "Forbid transitions the tag scheme forbids.")
flags.DEFINE_list("feature_columns", [], "More CoNLL columns to embed as token features (1: POS).")
flags.DEFINE_bool("casing", hp["casing"], "Embed each token's casing class (lower, title, ...).")
flags.DEFINE_integer("feature_dim", hp["feature_dim"], "Width of each feature column's embedding.")
FLAGS = flags.FLAGS


def main(argv):
    trainer.apply_defaults(FLAGS, recipes.RECIPES[FLAGS.recipe])
    check_flags()
    run = Experiment(TASK)
    data, input_scheme, output_scheme = load_data()
    setup = prepare(run, data, output_scheme)
    model, preprocessor, valid = setup.model, setup.preprocessor, setup.valid
    run.fit(model, setup.training, setup.validation, **setup.fit_options)

    # Evaluate with conlleval, report per type, export.
    tagger = setup.tagger
    with trainer.Stopwatch() as test_clock:
        test_scores = conlleval.evaluate(tagger.gold(data.test), tagger.predict(data.test))
    valid_scores = conlleval.evaluate(tagger.gold(valid), tagger.predict(valid))
    report = conlleval.write_report(run.model_dir, test_scores)
    test_loss = model.evaluate(tagging.make_dataset(data.test, **setup.batches), verbose=0)
    # One model from token strings to tags, saved and exported (the export must track the
    # preprocessor's lookup tables as well as the weights).
    names = [f"column_{c}" for c in FLAGS.feature_columns]
    tokens, *columns = (keras.Input((None,), dtype="string", name=n) for n in ["tokens", *names])
    features = preprocessor(tokens, columns) if columns else preprocessor(tokens)
    end_to_end = keras.Model([tokens, *columns], model(features), name="tagger")
    serving = tagger_serving(model, preprocessor, tagger.names, names)
    run.save_and_export(end_to_end, {"serving_default": serving})
    metrics = run.finish(
        {**test_scores.as_dict(), "loss": test_loss[0]},
        valid=valid_scores.as_dict(),
        per_type=report["per_type"],
        dataset=FLAGS.dataset or FLAGS.train_file,
        model=FLAGS.model,
        parameters=model.count_params(),
        tags=tagger.names,
        tag_scheme=input_scheme,
        train_scheme=data.scheme,
        output_scheme=output_scheme,
        train_sentences=len(setup.train),
        valid_sentences=len(valid),
        test_sentences=len(data.test),
        words=preprocessor.word_vocabulary_size,
        test_sentences_per_second=len(data.test) / max(test_clock.seconds, 1e-9),
        **({"embeddings": setup.vectors_coverage} if setup.vectors_coverage else {}),
    )
    scores = {name: 100 * value for name, value in metrics["test"].items()}
    print(
        "test F1 {f1:.2f} (precision {precision:.2f}, recall {recall:.2f}, token accuracy "
        "{accuracy:.2f}); exported to {0}".format(run.export_dir, **scores)
    )


def prepare(
    run: Experiment, data: tagging.TaggingData, output_scheme: str | None
) -> types.SimpleNamespace:
    """Everything `fit` needs, as the recipe builds it: a validation split carved from
    train unless --valid_file; vocabularies from the (remaining) training sentences;
    batches of similar length; the model, compiled with the schedule over the batches
    counted; the tagger that predicts in `output_scheme`, and the validation F1 that picks
    the epoch kept. The benchmarks call this too."""
    train, valid = data.train, data.valid
    if valid is None:
        train, valid = splits.holdout(train, FLAGS.validation_fraction, FLAGS.seed)
    report_unseen_tags(data.tags, [valid, data.test])
    preprocessor = recipes.preprocessor(FLAGS, train)
    batches = dict(preprocessor=preprocessor, tags=data.tags, batch_size=FLAGS.batch_size)
    shuffle = EpochShuffle(FLAGS.seed)
    training, steps_per_epoch = run.count_batches(training_batches(run, train, batches, shuffle))
    vectors, vectors_coverage = read_vectors(preprocessor, train)
    with run.scope():
        model = recipes.build_model(FLAGS, preprocessor, data.tags, data.scheme, vectors)
    run.compile(
        model,
        loss=recipes.loss(FLAGS),
        metrics=recipes.metrics(),
        steps_per_epoch=steps_per_epoch,
        clipnorm=FLAGS.clipnorm,
    )
    # The epoch kept is the one of the best validation F1 (Lample et al. 2016; Ma & Hovy
    # 2016), not of the lowest validation loss: on NER the loss turns up epochs before
    # the F1 stops rising.
    tagger = Tagger(model, preprocessor, data.tags, data.scheme, output_scheme)
    stopping = None
    if FLAGS.early_stopping_patience:
        stopping = EarlyStopping(
            monitor="val_f1",
            mode="max",
            patience=FLAGS.early_stopping_patience,
            restore_best_weights=True,
            ties="later",
        )
    return types.SimpleNamespace(
        tagger=tagger,
        fit_options=dict(
            epoch_keyed=[shuffle],  # batches and OOV draws keyed on (seed, epoch)
            epoch_metrics=[ValidationF1(tagger, valid)],
            early_stopping=stopping,
        ),
        model=model,
        train=train,
        valid=valid,
        preprocessor=preprocessor,
        batches=batches,
        training=training,
        validation=tagging.make_dataset(valid, **batches),
        vectors_coverage=vectors_coverage,
    )


def training_batches(run, train, batches, shuffle) -> tf.data.Dataset:
    """Length-bucketed training batches whose order and OOV replacements (training
    singletons become unknown with `--singleton_unk_rate`) depend on (seed, epoch) alone,
    so a resumed run sees the batches of an uninterrupted one."""
    preprocessor = batches["preprocessor"]
    singletons = tagging.singleton_words(train, preprocessor) if FLAGS.singleton_unk_rate else []
    dataset = tagging.make_dataset(
        train,
        **batches,
        shuffle=shuffle,
        seed=FLAGS.seed,
        bucket_boundaries="auto",
        singleton_unk_rate=FLAGS.singleton_unk_rate,
        singletons=singletons,
    )
    return run.skip_short_batches(dataset)


class ValidationF1(keras.callbacks.Callback):
    """Adds `val_f1`, conlleval's chunk F1 of the validation sentences, to each epoch's
    logs (for early stopping and the history)."""

    def __init__(self, tagger: "Tagger", corpus: tagging.TaggedCorpus):
        super().__init__()
        self.tagger, self.corpus, self.gold = tagger, corpus, tagger.gold(corpus)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["val_f1"] = conlleval.evaluate(self.gold, self.tagger.predict(self.corpus)).f1


class Tagger:
    """Tag strings of whole corpora in the reported scheme: the model's predictions and
    the gold tags (converted from the training scheme)."""

    def __init__(self, model, preprocessor, tags, train_scheme, output_scheme):
        self.model, self.preprocessor, self.tags = model, preprocessor, tags
        self.train_scheme, self.output_scheme = train_scheme, output_scheme
        self.names = tags.names_in(train_scheme, output_scheme) if train_scheme else tags.names
        # A plain call, not `predict_on_batch`: under a multi-worker strategy that returns
        # only this worker's share of the batch.
        self._predict = tf.function(
            lambda features: model(features, training=False), reduce_retracing=True
        )

    def _convert(self, names, strict=True):
        if self.train_scheme == self.output_scheme:
            return names
        return tagging.convert_tags(names, self.train_scheme, self.output_scheme, strict=strict)

    def gold(self, corpus: tagging.TaggedCorpus) -> list[list[str]]:
        return [self._convert(sentence) for sentence in corpus.tags]

    def predict(self, corpus: tagging.TaggedCorpus) -> list[list[str]]:
        """Predicted tags of `corpus`, in corpus order."""
        dataset = tagging.make_dataset(corpus, self.preprocessor, batch_size=FLAGS.batch_size)
        result = []
        for features in dataset:
            outputs = np.asarray(self._predict(features))
            ids = outputs.argmax(-1) if outputs.ndim == 3 else outputs
            for row, length in zip(ids, features["lengths"].numpy(), strict=True):
                result.append(self._convert(self.tags.decode(row, int(length)), strict=False))
        return result


def report_unseen_tags(tags: tagging.TagVocabulary, corpora) -> None:
    """Prints the gold tags of `corpora` that no model trained here can predict (valid
    data: conlleval counts them as misses)."""
    for corpus in corpora:
        unseen = tags.unseen(corpus)
        if unseen:
            shown = ", ".join(f"{tag} {count}" for tag, count in unseen.most_common(8))
            print(f"{corpus.source}: tags never seen in training, scored as misses: {shown}")


def read_vectors(preprocessor, train):
    """`--embeddings` or `--embeddings_file` vectors for the word vocabulary, and their
    coverage of it and of the training tokens (for metrics.json); `(None, {})` without."""
    vectors = trainer.pretrained_vectors(FLAGS, preprocessor.word_lookup.get_vocabulary())
    if vectors is None:
        return None, {}
    flat = tf.constant([t for sentence in train.tokens for t in sentence] or [""])
    words = tagging.normalize_tokens(flat, preprocessor.lowercase, preprocessor.normalize_digits)
    found = coverage(vectors, [preprocessor.word_lookup(words).numpy()])
    print(f"{vectors.source}: {found}")
    return vectors, found


def scheme_flag(name: str) -> str | None:
    value = FLAGS[name].value
    if value is None or value.lower() in ("auto", "none"):
        return None if value is None or value.lower() == "none" else "auto"
    try:
        return tagging.normalize_scheme(value)
    except ValueError as error:
        raise trainer.InputError(f"--{name}", str(error)) from None


def check_flags() -> None:
    """The tagger's own flags (`configure` checks the shared ones)."""
    if not 0 <= FLAGS.singleton_unk_rate <= 1:
        raise trainer.InputError("--singleton_unk_rate", "must be in [0, 1]")
    if FLAGS.clipnorm < 0:
        raise trainer.InputError("--clipnorm", f"must be >= 0, got {FLAGS.clipnorm}")
    if FLAGS.feature_columns and FLAGS.dataset:
        raise trainer.InputError("--feature_columns", "reads CoNLL files; not with --dataset")
    for column in FLAGS.feature_columns:
        if not re.fullmatch(r"\d+", column):
            raise trainer.InputError(
                "--feature_columns", f"expected column numbers >= 0, got {column!r}"
            )
    trainer.check_positive(
        feature_dim=FLAGS.feature_dim,
        word_dim=FLAGS.word_dim,
        char_units=FLAGS.char_units,
        lstm_units=FLAGS.lstm_units,
        lstm_layers=FLAGS.lstm_layers,
    )


def load_data() -> tuple[tagging.TaggingData, str | None, str | None]:
    """The corpora with tags in the training scheme, plus (input scheme, output scheme)."""
    if not FLAGS.dataset and not FLAGS.train_file:
        raise trainer.InputError("--train_file", "give --train_file (CoNLL) or --dataset (TFDS)")
    if FLAGS.train_file and not FLAGS.test_file:
        raise trainer.InputError("--test_file", "--train_file needs a --test_file to score on")
    input_scheme = scheme_flag("tag_scheme")
    load = dict(
        dataset=FLAGS.dataset,
        train_file=FLAGS.train_file,
        valid_file=FLAGS.valid_file,
        test_file=FLAGS.test_file,
        token_column=FLAGS.token_column,
        tag_column=FLAGS.tag_column,
        encoding=FLAGS.encoding,
        tag_key=FLAGS.tag_key,
        data_dir=FLAGS.tfds_data_dir,
        feature_columns=[int(c) for c in FLAGS.feature_columns],
    )
    raw = tagging.load_tagging(**load, tag_scheme=input_scheme)
    input_scheme = raw.scheme
    output_scheme = scheme_flag("output_scheme") or input_scheme
    if output_scheme == "auto":
        output_scheme = input_scheme
    if output_scheme and not input_scheme:
        raise trainer.InputError("--output_scheme", "the tags have no chunk scheme to convert")
    train_scheme = scheme_flag("train_scheme")
    if train_scheme == "auto":
        # BIOES trains best (Lample et al. 2016; Ratinov & Roth 2009); the exported model
        # can map BIOES to IOB2 tag by tag, but IOB1 output needs whole sentences.
        train_scheme = "BIOES" if output_scheme in ("IOB2", "BIOES") else output_scheme
    if train_scheme and not input_scheme:
        raise trainer.InputError("--train_scheme", "the tags have no chunk scheme to convert")
    if train_scheme and output_scheme:
        try:
            tagging.TagVocabulary(["O"]).names_in(train_scheme, output_scheme)
        except ValueError:
            raise trainer.InputError(
                "--output_scheme",
                f"a model trained in {train_scheme} cannot serve {output_scheme} tag by tag; "
                f"use --train_scheme={output_scheme}",
            ) from None
    data = raw
    if train_scheme != input_scheme:
        data = tagging.load_tagging(**load, tag_scheme=input_scheme, train_scheme=train_scheme)
    if data.test is None:
        raise trainer.InputError("--test_file", "no test split")
    return data, input_scheme, output_scheme


if __name__ == "__main__":
    trainer.run(main)
