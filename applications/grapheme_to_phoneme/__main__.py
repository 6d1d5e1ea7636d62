"""Grapheme-to-phoneme conversion: `python -m applications.grapheme_to_phoneme [flags]`.

The recipe (`recipes.py`): read `word<TAB>phones` pronunciation files (`--train_file
--valid_file --test_file`; CMUdict's ARPAbet, a word on one line per pronunciation),
hold out words for validation when there is no `--valid_file`, build the character and
phone vocabularies (they travel inside the model as `StringLookup` layers), train the
attention encoder-decoder by teacher forcing with `model.fit` on batches of words of
similar length (Adam, gradient clipping, a cosine schedule), transcribe the validation and
test words by beam search, score them against every listed pronunciation (word and
phoneme error rates, with and without stress digits), write `metrics.json`, and export a
SavedModel whose `serving_default` takes words (string `[N]`) and returns `phones`
(string `[N]`, space-joined ARPAbet), the beam search inside the graph.
"""

import keras
import numpy as np
import tensorflow as tf
from absl import flags

from applications.grapheme_to_phoneme import recipes
from kerasdl import trainer
from kerasdl.data import pronunciations
from kerasdl.data.epochs import EpochShuffle
from kerasdl.experiment import Experiment

TASK = "grapheme_to_phoneme"
hp = recipes.DEFAULTS
trainer.define_common_flags(task=TASK, defaults=recipes.DEFAULTS)
trainer.define_file_flags("word<TAB>ARPAbet phones lines (.tsv), one per pronunciation")
trainer.define_dropout_flag(hp["dropout"])
flags.DEFINE_integer("embedding_dim", hp["embedding_dim"], "Character and phone embedding width.")
flags.DEFINE_integer("units", hp["units"], "Encoder BiLSTM units per direction (decoder: twice).")
flags.DEFINE_enum("attention", hp["attention"], list(recipes.ATTENTIONS), "Attention score.")
flags.DEFINE_integer("beam_width", hp["beam_width"], "Beams of the beam search.")
flags.DEFINE_float("length_penalty", hp["length_penalty"], "Beam search length penalty weight.")
flags.DEFINE_float("clipnorm", hp["clipnorm"], "Clip each gradient to this norm; 0: off.")
flags.DEFINE_bool("keep_stress", hp["keep_stress"], "Train on phones with stress digits.")
flags.DEFINE_integer(
    "epoch_eval_words", hp["epoch_eval_words"], "Validation words scored after each epoch; 0: off."
)
FLAGS = flags.FLAGS

# Words per beam-search batch when scoring and serving a file.
TRANSCRIBE_BATCH = 512


def main(argv):
    check_flags()
    run = Experiment(TASK)
    train, valid, test = load_data()
    print(describe(train, valid, test))
    preprocessor = recipes.preprocessor(FLAGS, train)
    # The order of epoch e depends on (seed, e) alone: a resumed run sees the same batches.
    shuffle = EpochShuffle(FLAGS.seed)
    training = pronunciations.make_dataset(
        train, preprocessor, FLAGS.batch_size, shuffle=shuffle, bucket_boundaries="auto"
    )
    training, steps_per_epoch = run.count_batches(run.skip_short_batches(training))
    # Beam search may write a few phones more than the longest training pronunciation.
    max_phones = max(len(phones) for phones in train.phones) + 10
    with run.scope():
        model = recipes.build_model(FLAGS, preprocessor, max_phones)
    run.compile(
        model,
        loss=recipes.loss(FLAGS),
        metrics=recipes.metrics(),
        steps_per_epoch=steps_per_epoch,
        clipnorm=FLAGS.clipnorm,
    )
    transcriber = Transcriber(model)
    epoch_metrics = []
    if FLAGS.epoch_eval_words:
        epoch_metrics.append(ValidationErrorRates(transcriber, valid, FLAGS.epoch_eval_words))
    validation = pronunciations.make_dataset(valid, preprocessor, FLAGS.batch_size)
    run.fit(model, training, validation, epoch_keyed=[shuffle], epoch_metrics=epoch_metrics)

    # Transcribe by beam search, score, export.
    with trainer.Stopwatch() as test_clock:
        test_rates = transcriber.error_rates(test)
    valid_rates = transcriber.error_rates(valid)
    test_batches = pronunciations.make_dataset(test, preprocessor, FLAGS.batch_size)
    test_loss = model.evaluate(test_batches, return_dict=True, verbose=0)
    run.save_and_export(model, {"serving_default": recipes.serving(model)})
    metrics = run.finish(
        {
            **test_rates,
            "accuracy": 1.0 - test_rates["word_error_rate"],
            "loss": test_loss["loss"],
            "phone_accuracy": test_loss["phone_accuracy"],
        },
        valid=valid_rates,
        dataset=FLAGS.train_file,
        model=f"bilstm_{FLAGS.attention}_attention",
        parameters=model.count_params(),
        characters=preprocessor.character_list,
        phones=preprocessor.phone_list,
        stress=FLAGS.keep_stress,
        train_pronunciations=len(train),
        train_words=len(set(train.words)),
        valid_words=len(valid.lexicon()),
        test_words=len(test.lexicon()),
        test_words_per_second=len(test.lexicon()) / max(test_clock.seconds, 1e-9),
    )
    scores = {name: 100 * value for name, value in metrics["test"].items()}
    print(
        "test WER {word_error_rate:.2f} % (without stress {word_error_rate_without_stress:.2f} "
        "%), PER {phoneme_error_rate:.2f} % (without stress "
        "{phoneme_error_rate_without_stress:.2f} %); {0:.0f} s training; exported to "
        "{1}".format(run.train_seconds, run.export_dir, **scores)
    )


class Transcriber:
    """Beam-search transcriptions of whole word lists, and their error rates."""

    def __init__(self, model: recipes.Seq2SeqG2P):
        self.model = model
        # As the export traces it: the decoders loop in tf.while_loop, not in AutoGraph.
        self._transcribe = tf.function(
            model.transcribe,
            input_signature=[tf.TensorSpec([None], tf.string)],
            autograph=False,
        )

    def __call__(self, words) -> dict[str, list[str]]:
        """`{word: phones}`; words of similar length share a batch (a beam search runs
        until its longest word ends)."""
        words = sorted(set(words), key=lambda w: (len(w), w))
        found = {}
        for start in range(0, len(words), TRANSCRIBE_BATCH):
            batch = words[start : start + TRANSCRIBE_BATCH]
            transcribed = self._transcribe(tf.constant(batch)).numpy()
            for word, phones in zip(batch, transcribed, strict=True):
                found[word] = phones.decode().split()
        return found

    def error_rates(self, data: pronunciations.Pronunciations) -> dict[str, float]:
        lexicon = data.lexicon()
        return pronunciations.error_rates(self(lexicon), lexicon)


class ValidationErrorRates(keras.callbacks.Callback):
    """Adds `val_word_error_rate` and `val_phoneme_error_rate` (as trained: with stress
    digits unless --nokeep_stress) of a seeded sample of `words` validation words to each
    epoch's logs."""

    def __init__(self, transcriber: Transcriber, valid: pronunciations.Pronunciations, words):
        super().__init__()
        lexicon = valid.lexicon()
        names = sorted(lexicon)
        if len(names) > words:
            picked = np.random.default_rng(0).choice(len(names), words, replace=False)
            names = [names[i] for i in sorted(picked)]
        self.transcriber, self.lexicon = transcriber, {w: lexicon[w] for w in names}

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            rates = pronunciations.error_rates(self.transcriber(self.lexicon), self.lexicon)
            logs["val_word_error_rate"] = rates["word_error_rate"]
            logs["val_phoneme_error_rate"] = rates["phoneme_error_rate"]


def load_data():
    """`(train, valid, test)` pronunciations (stress digits removed with --nokeep_stress);
    validation words held out of train without --valid_file."""
    if not FLAGS.train_file:
        raise trainer.InputError("--train_file", "give --train_file (word<TAB>phones lines)")
    if not FLAGS.test_file:
        raise trainer.InputError("--test_file", "--train_file needs a --test_file to score on")

    def read(path):
        data = pronunciations.read_pronunciations(path, FLAGS.encoding)
        return data if FLAGS.keep_stress else data.without_stress()

    train = read(FLAGS.train_file)
    if FLAGS.valid_file:
        valid = read(FLAGS.valid_file)
    else:
        train, valid = train.split_by_word(FLAGS.validation_fraction, FLAGS.seed)
    return train, valid, read(FLAGS.test_file)


def describe(train, valid, test) -> str:
    def words(data):
        return len(set(data.words))

    return (
        f"{train.source}: {words(train)} training words ({len(train)} pronunciations), "
        f"{words(valid)} validation, {words(test)} test words"
    )


def check_flags() -> None:
    """The trainer's own flags (`configure` checks the shared ones)."""
    trainer.check_positive(
        embedding_dim=FLAGS.embedding_dim, units=FLAGS.units, beam_width=FLAGS.beam_width
    )
    if FLAGS.clipnorm < 0:
        raise trainer.InputError("--clipnorm", f"must be >= 0, got {FLAGS.clipnorm}")
    if FLAGS.epoch_eval_words < 0:
        raise trainer.InputError("--epoch_eval_words", "must be >= 0 (0: off)")


if __name__ == "__main__":
    trainer.run(main)
