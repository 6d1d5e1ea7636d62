"""What the CRF costs: epoch time of `bilstm_crf` beside `bilstm_softmax` of the same size,
and sentences per second of the exported tagger (token strings in, tag strings out).

    python benchmarks/tagging_train.py [--sentences 2000] [--epochs 2] [--batch_size 32]

Both models are the trainer's default network (100-d lower-cased words, char CNN of 30
filters, a BiLSTM of 200 units per direction, BIOES tags) on the first `--sentences` sentences of
CoNLL-2000 train, batches bucketed by length as the trainer does. The first epoch
(tracing) is reported apart; "epoch" is the median of the later ones. Serving: the
SavedModel loaded with plain TensorFlow, batches of 64 test sentences, median of 5 passes
over the test set after a warm-up pass.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import keras
import tensorflow as tf

from applications.sequence_labeling import recipes
from kerasdl.data import tagging
from kerasdl.experiment import Experiment
from kerasdl.export import export_saved_model, tagger_serving

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "conll2000")


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def on_train_begin(self, logs=None):
        self.times = []


def build(hp, data, pre) -> keras.Model:
    """The trainer's network and loss (applications.sequence_labeling.recipes), Adam with
    the recipe's clipping at its learning rate, without its schedule."""
    model = recipes.build_model(hp, pre, data.tags, data.scheme)
    model.compile(
        keras.optimizers.Adam(hp.learning_rate, clipnorm=hp.clipnorm),
        loss=recipes.loss(hp),
        metrics=recipes.metrics(),
    )
    return model


def serving_rate(model, pre, data, names) -> float:
    tokens = keras.Input(shape=(None,), dtype="string")
    end_to_end = keras.Model(tokens, model(pre(tokens)))
    with tempfile.TemporaryDirectory() as folder:
        export_dir = os.path.join(folder, "export")
        export_saved_model(
            export_dir, end_to_end, {"serving_default": tagger_serving(model, pre, names)}
        )
        serve = tf.saved_model.load(export_dir).signatures["serving_default"]
        batches = []
        for start in range(0, len(data.test), 64):
            rows = data.test.tokens[start : start + 64]
            width = max(len(r) for r in rows)
            batches.append(tf.constant([r + [""] * (width - len(r)) for r in rows]))
        for batch in batches:  # warm-up: one trace per batch shape
            serve(tokens=batch)
        passes = []
        for _ in range(5):
            start = time.perf_counter()
            for batch in batches:
                serve(tokens=batch)["tags"].numpy()
            passes.append(time.perf_counter() - start)
    return len(data.test) / statistics.median(passes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    data = tagging.load_tagging(
        train_file=os.path.join(DATA, "train.txt"),
        test_file=os.path.join(DATA, "test.txt"),
        train_scheme="BIOES",
    )
    train = data.train.subset(range(min(args.sentences, len(data.train))))
    pre = recipes.preprocessor(recipes.hyperparameters(), train)
    dataset = tagging.make_dataset(
        train, pre, data.tags, args.batch_size, shuffle=True, seed=0, bucket_boundaries="auto"
    )
    dataset, _ = Experiment.count_batches(dataset)
    print(
        f"CoNLL-2000: {len(train)} sentences, {train.num_tokens} tokens, batch "
        f"{args.batch_size}, {os.cpu_count()} CPUs, TF {tf.__version__}, Keras {keras.__version__}"
    )
    print(f"{'model':16} {'params':>9} {'1st epoch s':>12} {'epoch s':>8} {'sent/s':>8}")
    results = {}
    for kind in ("bilstm_softmax", "bilstm_crf"):
        model = build(recipes.hyperparameters(model=kind), data, pre)
        timer = EpochTimer()
        model.fit(dataset, epochs=args.epochs, callbacks=[timer], shuffle=False, verbose=0)
        epoch = statistics.median(timer.times[1:]) if len(timer.times) > 1 else timer.times[0]
        results[kind] = (model, epoch)
        print(
            f"{kind:16} {model.count_params():9d} {timer.times[0]:12.1f} {epoch:8.1f} "
            f"{len(train) / epoch:8.0f}",
            flush=True,
        )
    crf, softmax = results["bilstm_crf"][1], results["bilstm_softmax"][1]
    print(f"CRF cost: {crf / softmax:.2f}x the softmax epoch time")
    names = data.tags.names_in("BIOES", "IOB2")
    rate = serving_rate(results["bilstm_crf"][0], pre, data, names)
    print(f"exported bilstm_crf, {len(data.test)} test sentences, batch 64: {rate:.0f} sentences/s")


if __name__ == "__main__":
    main()
