"""Text classification: `python -m applications.text_classification [flags]`.

The recipe: read `label<TAB>text` files (`--train_file --valid_file --test_file`) or a TFDS
name (`--dataset`), hold out a validation split for early stopping when there is no
`--valid_file`, learn the vocabulary from training text only, build the model (`textcnn`,
`rnn_attention`, `transformer` or `mean_embedding`; random or pretrained vectors),
compile, fit, evaluate on the test split, write `metrics.json` and a per-class report with
a confusion matrix, and export a SavedModel whose `serving_default` takes raw strings.
`--cv_folds=k` first runs k-fold cross-validation on the training data (the MR protocol
of Kim 2014) and reports its mean.

Flags left unset take the model's recipe (`recipes.py`; explicit flags always win).
"""

import keras
import numpy as np
from absl import flags

from applications.text_classification import recipes
from kerasdl import models, trainer
from kerasdl.data import splits, text
from kerasdl.data.embeddings import EMBEDDING_MODES, coverage
from kerasdl.data.epochs import EpochShuffle
from kerasdl.experiment import Experiment
from kerasdl.export import text_attention_serving, text_classifier_serving

TASK = "text_classification"
hp = recipes.DEFAULTS
trainer.define_common_flags(task=TASK, defaults=recipes.DEFAULTS)
trainer.define_dataset_flags("imdb_reviews, ag_news_subset, trec, glue/sst2, ...")
trainer.define_file_flags("label<TAB>text lines (.tsv) or label,text rows (.csv)")
trainer.define_model_flag(recipes.MODELS, "The classifier.")
trainer.define_rnn_cell_flag()
trainer.define_dropout_flag(hp["dropout"])
trainer.define_label_smoothing_flag()
trainer.define_vocabulary_flags()
flags.DEFINE_integer("embedding_dim", hp["embedding_dim"], "Width of random word vectors.")
flags.DEFINE_string(
    "embeddings_mode",
    None,
    f"{', '.join(EMBEDDING_MODES)}; default with vectors: rand+static (textcnn), else non-static.",
)
flags.DEFINE_float("embeddings_std", 0.0, "Rescale the vectors to this std per value; 0: as read.")
flags.DEFINE_integer("cv_folds", 0, "k-fold cross-validation on the training data first; 0: off.")
flags.DEFINE_integer("max_tokens", 0, "Largest vocabulary (ids incl. padding/unknown); 0: all.")
flags.DEFINE_integer("max_length", hp["max_length"], "Cut texts to this many tokens.")
flags.DEFINE_bool("split_punctuation", False, "Make punctuation separate tokens (raw text).")
flags.DEFINE_bool("bucket", True, "Batch texts of similar length together (training only).")
flags.DEFINE_integer("filters", hp["filters"], "textcnn: feature maps per width.")
flags.DEFINE_list("kernel_sizes", hp["kernel_sizes"], "textcnn: window widths.")
flags.DEFINE_integer("units", hp["units"], "rnn_attention: units per direction.")
flags.DEFINE_integer("num_layers", hp["num_layers"], "transformer: encoder blocks.")
flags.DEFINE_integer("num_heads", hp["num_heads"], "transformer: attention heads.")
FLAGS = flags.FLAGS


def main(argv):
    trainer.apply_defaults(FLAGS, recipes.RECIPES[FLAGS.model])
    check_flags()
    run = Experiment(TASK)
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
    vectors, extra = read_vectors(data.train)
    print(text.describe(data.train))
    cv = cross_validate(run, data.train, data.labels, vectors) if FLAGS.cv_folds else None

    # Train the model to export on all training data (less a validation split).
    train, valid = data.train, data.valid
    if valid is None:
        train, valid = splits.holdout(data.train, FLAGS.validation_fraction, FLAGS.seed)
    model, preprocessor = fit(run, train, valid, data.labels, vectors)

    # Evaluate, report, export.
    def batches(examples):
        return text.make_dataset(examples, preprocessor, data.labels, FLAGS.batch_size)

    if data.test is not None:
        test_labels = data.labels.encode(data.test)
        test = run.evaluate_classifier(model, batches(data.test), test_labels, data.labels.names)
    else:  # no test split: the cross-validation estimate is the test figure
        test = {"accuracy": cv["accuracy_mean"]}
        extra["test_source"] = f"{FLAGS.cv_folds}-fold cross-validation mean"
    if cv is not None:
        extra["cross_validation"] = cv
    # One model from raw strings to probabilities, saved and exported (the export must
    # track the preprocessor's lookup tables as well as the weights).
    texts = keras.Input(shape=(), dtype="string", name="texts")
    end_to_end = keras.Model(texts, model(preprocessor(texts)), name="text_classifier")
    endpoints = {"serving_default": text_classifier_serving(model, preprocessor, data.labels.names)}
    if FLAGS.model == "rnn_attention":
        attention = models.attention_model(model)
        endpoints["attention_weights"] = text_attention_serving(attention, preprocessor)
    run.save_and_export(end_to_end, endpoints)
    metrics = run.finish(
        test,
        valid=model.evaluate(batches(valid), return_dict=True, verbose=0),
        dataset=FLAGS.dataset or FLAGS.train_file,
        model=FLAGS.model,
        parameters=model.count_params(),
        vocabulary_size=preprocessor.vocabulary_size,
        class_names=data.labels.names,
        train_examples=len(train),
        **extra,
    )
    summary = f"test accuracy {metrics['test']['accuracy']:.4f}"
    if cv is not None:
        summary += f"; {cv['folds']}-fold CV {cv['accuracy_mean']:.4f} ± {cv['accuracy_std']:.4f}"
    print(f"{summary}; {run.train_seconds:.0f} s training; exported to {run.export_dir}")


def fit(run, train, valid, labels, vectors, backup=True):
    """Vocabulary, model, compile and fit on `train`, keeping the best validation epoch;
    returns `(model, preprocessor)`."""
    preprocessor = recipes.preprocessor(FLAGS, train.texts)
    # The order of epoch e depends on (seed, e) alone: a resumed run sees the same batches.
    shuffle = EpochShuffle(FLAGS.seed)
    batches = dict(preprocessor=preprocessor, labels=labels, batch_size=FLAGS.batch_size)
    training = text.make_dataset(
        train,
        **batches,
        shuffle=shuffle,
        seed=FLAGS.seed,
        bucket_boundaries="auto" if FLAGS.bucket else None,
    )
    training, steps_per_epoch = run.count_batches(run.skip_short_batches(training))
    with run.scope():
        model = recipes.build_model(FLAGS, preprocessor, labels.num_classes, vectors)
    run.compile(
        model, loss=recipes.loss(FLAGS), metrics=recipes.metrics(), steps_per_epoch=steps_per_epoch
    )
    validation = text.make_dataset(valid, **batches)
    # The best epoch so far travels in the backups, so a resumed run keeps the same one.
    best = recipes.best_epoch(FLAGS)
    run.fit(model, training, validation, epoch_keyed=[shuffle], early_stopping=best, backup=backup)
    return model, preprocessor


def cross_validate(run, examples, labels, vectors) -> dict:
    """k-fold CV on `examples`: a fresh vocabulary and model per fold, validation held out
    of each fold's training part."""
    accuracies, seconds = [], 0.0
    for fold, (fold_train, fold_test) in enumerate(
        splits.kfold(examples, FLAGS.cv_folds, FLAGS.seed), start=1
    ):
        fold_train, fold_valid = splits.holdout(fold_train, FLAGS.validation_fraction, FLAGS.seed)
        model, preprocessor = fit(run, fold_train, fold_valid, labels, vectors, backup=False)
        batches = text.make_dataset(fold_test, preprocessor, labels, FLAGS.batch_size)
        accuracy = model.evaluate(batches, return_dict=True, verbose=0)["accuracy"]
        print(f"fold {fold}/{FLAGS.cv_folds}: test accuracy {accuracy:.4f}")
        accuracies.append(float(accuracy))
        seconds += run.train_seconds
        keras.backend.clear_session(free_memory=True)
    return {
        "folds": FLAGS.cv_folds,
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "fold_accuracies": accuracies,
        "train_seconds": seconds,
    }


def read_vectors(train: text.TextExamples):
    """The pretrained vectors for every training word (read once, before any fold) and
    their coverage for metrics.json; `(None, {})` without vectors."""
    if not (FLAGS.embeddings or FLAGS.embeddings_file):
        return None, {}
    full = recipes.preprocessor(FLAGS, train.texts)
    vectors = trainer.pretrained_vectors(FLAGS, full.get_vocabulary())
    found = coverage(vectors, text.token_ids(train, full))
    print(f"{vectors.source}: {found}")
    return vectors, {"embeddings": found}


def check_flags() -> None:
    """The text-specific flags (`configure` checks the shared ones)."""
    try:
        sizes = recipes.kernel_sizes(FLAGS)
    except ValueError:
        sizes = []
    if not sizes or min(sizes) <= 0:
        raise trainer.InputError("--kernel_sizes", f"expected positive integers, got {sizes}")
    trainer.check_positive(max_length=FLAGS.max_length)
    if FLAGS.embeddings_mode is not None and FLAGS.embeddings_mode not in EMBEDDING_MODES:
        raise trainer.InputError(
            "--embeddings_mode",
            f"unknown mode {FLAGS.embeddings_mode!r}; choose {', '.join(EMBEDDING_MODES)}",
        )
    if FLAGS.embeddings_mode not in (None, "rand") and not (
        FLAGS.embeddings or FLAGS.embeddings_file
    ):
        raise trainer.InputError(
            "--embeddings_mode", f"{FLAGS.embeddings_mode} needs --embeddings_file or --embeddings"
        )
    if FLAGS.cv_folds == 1 or FLAGS.cv_folds < 0:
        raise trainer.InputError("--cv_folds", f"must be 0 (off) or >= 2, got {FLAGS.cv_folds}")
    if FLAGS.embeddings_std < 0:
        raise trainer.InputError("--embeddings_std", "must be >= 0 (0: vectors as read)")


if __name__ == "__main__":
    trainer.run(main)
