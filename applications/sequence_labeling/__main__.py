"""Sequence labeling: `python -m applications.sequence_labeling [flags]`.

The recipe (Huang et al. 2015; Lample et al. 2016; Ma & Hovy 2016): read CoNLL column
files (`--train_file --valid_file --test_file`) or a TFDS name (`--dataset conll2003`,
`conll2002`, `wikiann`), rewrite the chunk tags to BIOES for training, carve a validation
split from train when there is no `--valid_file`, build word and character vocabularies
(they travel inside the model as `StringLookup` layers), train a BiLSTM-CRF with a
character CNN on batches bucketed by length, Adam with gradient clipping and a cosine
schedule, score the test set with conlleval's chunk F1 (`conlleval.txt`/`.json` per type
in model_dir), write `metrics.json`, and export a SavedModel whose `serving_default`
takes token strings `[B, T]` (`""` = padding) and returns tag strings, Viterbi decoding
in the graph.
"""

import math
import os
import warnings

import keras
import numpy as np
import tensorflow as tf
from absl import flags

import kerasdl
from kerasdl import conlleval, models, trainer
from kerasdl.data import tagging
from kerasdl.data.embeddings import (
    NAMED_VECTORS,
    MissingVectorsPackage,
    PretrainedEmbeddings,
    coverage,
    load_embeddings,
    load_named_embeddings,
)
from kerasdl.data.sources import EpochShuffle
from kerasdl.export import export_saved_model, tagger_serving
from kerasdl.models.bilstm_crf import CHAR_FEATURES, transition_constraints

TASK = "sequence_labeling"

# The recipe: 100-d random vectors of lower-cased words (the character CNN sees the case),
# Ma & Hovy's character CNN (30 filters of width 3), one BiLSTM of 200 units per direction,
# dropout 0.5 and singleton words replaced by OOV with p=0.5 (Lample et al.), BIOES tags
# with decoding constraints, Adam with clipnorm 5, batches of 16 and a cosine decay over
# 12 epochs, early stopping on a 3 % validation split carved from train (on CoNLL-2000,
# batch 32 -> 16 and a 10 % -> 3 % split each gave about +0.1..0.3 F1; README).
trainer.define_common_flags(task=TASK, epochs=12, batch_size=16, learning_rate=2e-3)
flags.DEFINE_string("dataset", None, "TFDS name: conll2003, conll2002 (conll2002/es), wikiann/en.")
flags.DEFINE_string("tfds_data_dir", None, "TFDS data folder (default: TFDS's own).")
flags.DEFINE_string("tag_key", None, "TFDS tag feature (default ner/tags; e.g. pos, chunks).")
flags.DEFINE_string("train_file", None, "CoNLL column file for training.")
flags.DEFINE_string("valid_file", None, "CoNLL file for validation (default: carved from train).")
flags.DEFINE_string("test_file", None, "CoNLL file for the test scores.")
flags.DEFINE_integer("token_column", 0, "Column of the token (0-based; negative from the end).")
flags.DEFINE_integer("tag_column", -1, "Column of the tag (default the last).")
flags.DEFINE_string("encoding", "utf-8", "Encoding of the files (latin-1 for CoNLL-2002/2003).")
flags.DEFINE_string("tag_scheme", "auto", "Input tag scheme: auto, IOB1, IOB2 (BIO), BIOES, none.")
flags.DEFINE_string("train_scheme", "auto", "Scheme to train in: auto (BIOES when possible).")
flags.DEFINE_string("output_scheme", None, "Scheme of reported and served tags (default: input).")
flags.DEFINE_string("model", "bilstm_crf", "bilstm_crf or bilstm_softmax.")
flags.DEFINE_string("char_features", "cnn", "Character word features: cnn, lstm or none.")
flags.DEFINE_integer("word_dim", 100, "Width of random word vectors.")
flags.DEFINE_integer("char_units", 30, "Character CNN filters / char-LSTM units per direction.")
flags.DEFINE_integer("lstm_units", 200, "Word BiLSTM units per direction.")
flags.DEFINE_integer("lstm_layers", 1, "Stacked word BiLSTMs.")
flags.DEFINE_float("dropout", 0.5, "Dropout on word features and BiLSTM output.")
flags.DEFINE_bool("lowercase", True, "Lower-case words for the word vocabulary.")
flags.DEFINE_bool("normalize_digits", True, "Map every digit to 0 for the word vocabulary.")
flags.DEFINE_integer("min_count", 1, "Words seen fewer times in training become OOV.")
flags.DEFINE_float("singleton_unk_rate", 0.5, "Replace training singletons by OOV with this p.")
flags.DEFINE_string("embeddings_file", None, "GloVe/word2vec text vectors (.txt or .txt.gz).")
flags.DEFINE_enum(
    "embeddings", None, list(NAMED_VECTORS), "Named pretrained vectors (pip install .[vectors])."
)
flags.DEFINE_float("clipnorm", 5.0, "Clip each gradient to this norm; 0: off.")
flags.DEFINE_float("validation_fraction", 0.03, "Share of train held out without --valid_file.")
flags.DEFINE_bool("constrain_decoding", True, "Forbid transitions the tag scheme forbids.")
FLAGS = flags.FLAGS

MODELS = ("bilstm_crf", "bilstm_softmax")


def scheme_flag(name: str) -> str | None:
    value = FLAGS[name].value
    if value is None or value.lower() in ("auto", "none"):
        return None if value is None or value.lower() == "none" else "auto"
    try:
        return tagging.normalize_scheme(value)
    except ValueError as error:
        raise trainer.InputError(f"--{name}", str(error)) from None


def check_flags() -> None:
    if FLAGS.model not in MODELS:
        raise trainer.InputError(
            "--model", f"unknown model {FLAGS.model!r}; choose bilstm_crf, bilstm_softmax"
        )
    if FLAGS.char_features not in CHAR_FEATURES:
        raise trainer.InputError(
            "--char_features", f"unknown {FLAGS.char_features!r}; choose cnn, lstm, none"
        )
    if not 0 <= FLAGS.dropout < 1:
        raise trainer.InputError("--dropout", f"must be in [0, 1), got {FLAGS.dropout}")
    if not 0 <= FLAGS.singleton_unk_rate <= 1:
        raise trainer.InputError("--singleton_unk_rate", "must be in [0, 1]")
    if not 0 < FLAGS.validation_fraction < 1:
        raise trainer.InputError("--validation_fraction", "must be in (0, 1)")
    if FLAGS.clipnorm < 0:
        raise trainer.InputError("--clipnorm", f"must be >= 0, got {FLAGS.clipnorm}")
    trainer.check_positive(
        word_dim=FLAGS.word_dim,
        char_units=FLAGS.char_units,
        lstm_units=FLAGS.lstm_units,
        lstm_layers=FLAGS.lstm_layers,
        min_count=FLAGS.min_count,
    )
    if FLAGS.embeddings_file and not os.path.isfile(FLAGS.embeddings_file):
        raise trainer.InputError(FLAGS.embeddings_file, "no such file (--embeddings_file)")
    if FLAGS.embeddings and FLAGS.embeddings_file:
        raise trainer.InputError("--embeddings", "give --embeddings or --embeddings_file, not both")


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


def read_vectors(preprocessor, train) -> tuple[PretrainedEmbeddings | None, dict]:
    """`--embeddings` or `--embeddings_file` vectors for the word vocabulary, and their
    coverage of it and of the training tokens (for metrics.json); `(None, {})` without."""
    if not (FLAGS.embeddings or FLAGS.embeddings_file):
        return None, {}
    vocabulary = preprocessor.word_lookup.get_vocabulary()
    if FLAGS.embeddings_file:
        vectors = load_embeddings(FLAGS.embeddings_file, vocabulary, seed=FLAGS.seed)
    else:
        try:
            vectors = load_named_embeddings(FLAGS.embeddings, vocabulary, seed=FLAGS.seed)
        except MissingVectorsPackage as error:
            raise trainer.InputError("--embeddings", str(error)) from None
    flat = tf.constant([t for sentence in train.tokens for t in sentence] or [""])
    words = tagging.normalize_tokens(flat, preprocessor.lowercase, preprocessor.normalize_digits)
    found = coverage(vectors, [preprocessor.word_lookup(words).numpy()])
    print(f"{vectors.source}: {found}")
    return vectors, found


def build_model(data, preprocessor, vectors: PretrainedEmbeddings | None = None) -> keras.Model:
    embeddings = None if vectors is None else vectors.matrix
    common = dict(
        word_vocabulary_size=preprocessor.word_vocabulary_size,
        num_tags=data.tags.num_tags,
        char_vocabulary_size=preprocessor.char_vocabulary_size,
        word_dim=FLAGS.word_dim,
        char_features=FLAGS.char_features,
        char_units=FLAGS.char_units,
        lstm_units=FLAGS.lstm_units,
        lstm_layers=FLAGS.lstm_layers,
        dropout=FLAGS.dropout,
        embeddings=embeddings,
    )
    if FLAGS.model == "bilstm_softmax":
        return models.bilstm_softmax(**common)
    allowed = None
    if FLAGS.constrain_decoding:
        allowed, _, _ = transition_constraints(data.tags.names, data.scheme)
    return models.bilstm_crf(**common, allowed_transitions=allowed)


def predict_tags(model, corpus, preprocessor, tags, train_scheme, output_scheme):
    """Predicted tag strings of `corpus` (in corpus order), in `output_scheme`."""
    dataset = tagging.make_dataset(corpus, preprocessor, batch_size=FLAGS.batch_size)
    # A plain call, not `predict_on_batch`: under a multi-worker strategy that returns only
    # this worker's share of the batch.
    predict = tf.function(lambda features: model(features, training=False), reduce_retracing=True)
    result = []
    for features in dataset:
        outputs = np.asarray(predict(features))
        ids = outputs.argmax(-1) if outputs.ndim == 3 else outputs
        for row, length in zip(ids, features["lengths"].numpy(), strict=True):
            names = tags.decode(row, int(length))
            if train_scheme != output_scheme:
                names = tagging.convert_tags(names, train_scheme, output_scheme, strict=False)
            result.append(names)
    return result


def main(argv):
    # Bucketed batches have no known count, so Keras notes the end of each epoch's data.
    warnings.filterwarnings("ignore", message="Your input ran out of data")
    trainer.apply_defaults(FLAGS, {"early_stopping_patience": 5})
    check_flags()
    strategy = trainer.get_strategy(FLAGS.strategy)  # before any TensorFlow op (multi-worker)
    trainer.configure(FLAGS, strategy)
    model_dir = trainer.prepare_model_dir(trainer.worker_model_dir(strategy, FLAGS.model_dir))
    chief = trainer.is_chief(strategy)
    export_dir = trainer.resolve_export_dir(FLAGS.export_dir if chief else None, model_dir)
    data, input_scheme, output_scheme = load_data()

    # Data: a validation split carved from train unless --valid_file; vocabularies from
    # the (remaining) training sentences; batches of similar length.
    train, valid = data.train, data.valid
    if valid is None and len(train) < 2:
        print("one training sentence, none to spare: validating on the training sentence")
        valid = train
    elif valid is None:
        order = np.random.default_rng(FLAGS.seed).permutation(len(train))
        held = min(max(1, int(round(FLAGS.validation_fraction * len(train)))), len(train) - 1)
        train, valid = train.subset(np.sort(order[held:])), train.subset(np.sort(order[:held]))
    for corpus in (valid, data.test):
        # Valid gold data that no model trained here can predict: conlleval counts misses.
        unseen = data.tags.unseen(corpus)
        if unseen:
            shown = ", ".join(f"{tag} {count}" for tag, count in unseen.most_common(8))
            print(f"{corpus.source}: tags never seen in training, scored as misses: {shown}")
    preprocessor = tagging.TaggingPreprocessor.from_corpus(
        train,
        lowercase=FLAGS.lowercase,
        normalize_digits=FLAGS.normalize_digits,
        min_count=FLAGS.min_count,
        min_word_length=3,  # the character CNN's filter width
    )
    singletons = tagging.singleton_words(train, preprocessor) if FLAGS.singleton_unk_rate else []
    # The order and OOV replacements of epoch e depend on (seed, e) alone, so a resumed
    # run sees the same batches as an uninterrupted one.
    shuffle = EpochShuffle(FLAGS.seed)
    train_data = tagging.make_dataset(
        train,
        preprocessor,
        data.tags,
        FLAGS.batch_size,
        shuffle=shuffle,
        seed=FLAGS.seed,
        bucket_boundaries="auto",
        singleton_unk_rate=FLAGS.singleton_unk_rate,
        singletons=singletons,
    )
    train_data = trainer.skip_short_training_batches(train_data, strategy)
    valid_data = tagging.make_dataset(valid, preprocessor, data.tags, FLAGS.batch_size)
    test_data = tagging.make_dataset(data.test, preprocessor, data.tags, FLAGS.batch_size)
    steps_per_epoch = math.ceil(len(train) / FLAGS.batch_size)

    # Model, loss, optimizer.
    vectors, vectors_coverage = read_vectors(preprocessor, train)
    with strategy.scope():
        model = build_model(data, preprocessor, vectors)
        crf = FLAGS.model == "bilstm_crf"
        schedule = trainer.learning_rate_schedule(
            FLAGS.schedule, FLAGS.learning_rate, steps_per_epoch, FLAGS.epochs, FLAGS.warmup_epochs
        )
        optimizer = trainer.make_optimizer(FLAGS.optimizer, schedule, ema=FLAGS.ema)
        if FLAGS.clipnorm:
            getattr(optimizer, "optimizer", optimizer).clipnorm = FLAGS.clipnorm
        model.compile(
            optimizer=optimizer,
            loss=kerasdl.layers.CRFLoss() if crf else "sparse_categorical_crossentropy",
            metrics=[kerasdl.metrics.MaskedTokenAccuracy()],
            jit_compile=FLAGS.jit_compile,
        )

    # Train.
    callbacks = trainer.standard_callbacks(model_dir, FLAGS.early_stopping_patience)
    callbacks.append(trainer.SetEpoch(shuffle))
    with trainer.Stopwatch() as clock:
        history = model.fit(
            train_data,
            validation_data=valid_data,
            epochs=FLAGS.epochs,
            callbacks=callbacks,
            shuffle=False,  # the dataset reshuffles itself every epoch, from --seed
            verbose=trainer.progress_verbosity(),
        )

    # Evaluate with conlleval, report per type, export.
    train_scheme = data.scheme

    def gold(corpus):
        if train_scheme == output_scheme:
            return corpus.tags
        return [tagging.convert_tags(s, train_scheme, output_scheme) for s in corpus.tags]

    args = (preprocessor, data.tags, train_scheme, output_scheme)
    with trainer.Stopwatch() as test_clock:
        test_predictions = predict_tags(model, data.test, *args)
    test_scores = conlleval.evaluate(gold(data.test), test_predictions)
    valid_scores = conlleval.evaluate(gold(valid), predict_tags(model, valid, *args))
    report = conlleval.write_report(model_dir, test_scores)
    keras_test = model.evaluate(test_data, return_dict=True, verbose=0)
    # One model from token strings to tags: saved as model.keras, and exported (the export
    # must track the preprocessor's lookup tables as well as the weights).
    tokens = keras.Input(shape=(None,), dtype="string", name="tokens")
    end_to_end = keras.Model(tokens, model(preprocessor(tokens)), name="tagger")
    end_to_end.save(os.path.join(model_dir, "model.keras"))
    names = data.tags.names_in(train_scheme, output_scheme) if train_scheme else data.tags.names
    export_saved_model(
        export_dir, end_to_end, {"serving_default": tagger_serving(model, preprocessor, names)}
    )
    epochs_run = len(history.epoch)
    metrics = trainer.write_metrics(
        model_dir,
        TASK,
        {**test_scores.as_dict(), "loss": keras_test["loss"]},
        valid=valid_scores.as_dict(),
        per_type=report["per_type"],
        dataset=FLAGS.dataset or FLAGS.train_file,
        model=FLAGS.model,
        parameters=model.count_params(),
        tags=names,
        tag_scheme=input_scheme,
        train_scheme=train_scheme,
        output_scheme=output_scheme,
        train_sentences=len(train),
        valid_sentences=len(valid),
        test_sentences=len(data.test),
        words=preprocessor.word_vocabulary_size,
        epochs=FLAGS.epochs,
        epochs_run_this_process=epochs_run,
        train_seconds=clock.seconds,
        seconds_per_epoch=clock.seconds / max(1, epochs_run),
        test_sentences_per_second=len(data.test) / max(test_clock.seconds, 1e-9),
        export_dir=export_dir,
        flags=trainer.flag_dict(FLAGS),
        **({"embeddings": vectors_coverage} if vectors_coverage else {}),
    )
    trainer.finish(model_dir)
    test = metrics["test"]
    print(
        f"test F1 {100 * test['f1']:.2f} (precision {100 * test['precision']:.2f}, recall "
        f"{100 * test['recall']:.2f}, token accuracy {100 * test['accuracy']:.2f}); "
        f"exported to {export_dir}"
    )


if __name__ == "__main__":
    trainer.run(main)
