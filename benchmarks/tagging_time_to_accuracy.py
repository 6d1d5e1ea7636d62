"""Time to accuracy on CoNLL-2000 chunking: the tagger's old recipe beside the new one.

    python benchmarks/tagging_time_to_accuracy.py [--sentences N] [--epochs 12] [--seed 42]
        [--embeddings glove-6b-50d | none] [--order old,new] [--out benchmarks/results]

old: the trainer's defaults (`recipes.hyperparameters()`: words and characters). new:
`--recipe=features` (the POS column, casing and a character BiLSTM) with the `--embeddings`
vectors, which with GloVe is `--recipe=features+glove`. Each is set up by the trainer's own
pieces, as its `main()` does (`load_data`, a 3 % holdout of the first `--sentences` training
sentences, the trainer's `prepare`: batches, vectors, the model compiled with Adam, clipnorm
and the cosine schedule), and fitted by `Experiment.fit` (backup, checkpoint, TensorBoard,
early stopping, `SetEpoch`) with one more callback that scores the test set with conlleval
after every epoch, off the clock. The recipes train one after the other in this process
(`--order new,old` swaps them: the first also pays the process's warm-up). Prints epoch,
training seconds and test F1 per recipe and when each first reaches 93.0 and 94.0 F1; writes
the points as JSON and a plot to `--out`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from applications.sequence_labeling import __main__ as tagger_app  # noqa: E402
from applications.sequence_labeling import recipes  # noqa: E402
from kerasdl import conlleval, trainer  # noqa: E402
from kerasdl.data import tagging  # noqa: E402
from kerasdl.experiment import Experiment  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "conll2000")
TARGETS = (93.0, 94.0)
FLAGS = tagger_app.FLAGS


class TestF1(keras.callbacks.Callback):
    """Test F1 (conlleval, 0-100) after every epoch, with the seconds spent in `fit` so far;
    the scoring itself is off the clock."""

    def __init__(self, tagger: tagger_app.Tagger, test: tagging.TaggedCorpus):
        super().__init__()
        self.tagger, self.test, self.gold = tagger, test, tagger.gold(test)
        self.points: list[dict] = []

    def on_train_begin(self, logs=None):
        self.seconds, self.started = 0.0, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds += time.perf_counter() - self.started
        f1 = 100 * conlleval.evaluate(self.gold, self.tagger.predict(self.test)).f1
        self.points.append({"epoch": epoch + 1, "seconds": self.seconds, "f1": f1})
        print(f"{epoch + 1:5d} {self.seconds:10.1f} {f1:8.2f}", flush=True)
        self.started = time.perf_counter()


def time_recipe(name: str, recipe: list[str], args: argparse.Namespace) -> list[dict]:
    """Trains with the trainer's flags `recipe` as the trainer does; returns the points."""
    with tempfile.TemporaryDirectory() as model_dir:
        FLAGS.unparse_flags()
        FLAGS(
            [
                sys.argv[0],
                f"--train_file={os.path.join(DATA, 'train.txt')}",
                f"--test_file={os.path.join(DATA, 'test.txt')}",
                f"--model_dir={model_dir}",
                f"--epochs={args.epochs}",
                f"--seed={args.seed}",
                *recipe,
            ]
        )
        trainer.apply_defaults(FLAGS, recipes.RECIPES[FLAGS.recipe])
        tagger_app.check_flags()
        run = Experiment(tagger_app.TASK)
        data, _, output_scheme = tagger_app.load_data()
        if args.sentences:
            data.train = data.train.subset(range(min(args.sentences, len(data.train))))
        setup = tagger_app.prepare(run, data, output_scheme)
        print(
            f"\n{name} ({' '.join(recipe) or 'defaults'}): {len(setup.train)} training, "
            f"{len(setup.valid)} validation sentences, {setup.model.count_params()} parameters\n"
            f"{'epoch':>5} {'train s':>10} {'test F1':>8}"
        )
        test_f1 = TestF1(setup.tagger, data.test)  # last: the others' work is on the clock
        run.fit(
            setup.model, setup.training, setup.validation, **setup.fit_options, callbacks=[test_f1]
        )
    keras.backend.clear_session(free_memory=True)
    return test_f1.points


def first_reached(points: list[dict], target: float) -> float | None:
    return next((p["seconds"] for p in points if p["f1"] >= target), None)


def plot(results: dict[str, list[dict]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, points in results.items():
        seconds, f1 = [p["seconds"] for p in points], [p["f1"] for p in points]
        axes.plot(seconds, f1, marker="o", label=name)
    axes.axhline(94.0, color="gray", linestyle="--", linewidth=1, label="94.0 F1")
    axes.set(xlabel="training seconds", ylabel="test F1 (conlleval)", title="CoNLL-2000 chunking")
    axes.set_xlim(left=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=120, bbox_inches="tight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=None, help="First N (default all).")
    parser.add_argument("--epochs", type=int, default=recipes.DEFAULTS["epochs"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--embeddings", default="glove-6b-50d", help="new's vectors; none: off.")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument(
        "--order", default="old,new", choices=["old,new", "new,old"], help="Training order."
    )
    args = parser.parse_args()
    vectors = [] if args.embeddings == "none" else [f"--embeddings={args.embeddings}"]
    recipe_flags = {"old": [], "new": ["--recipe=features", *vectors]}
    tf.get_logger().setLevel("WARNING")
    load_start = os.getloadavg()
    print(
        f"CoNLL-2000, {os.cpu_count()} CPUs, TF {tf.__version__}, Keras {keras.__version__}; "
        f"load average {' '.join(f'{x:.2f}' for x in load_start)} (1, 5, 15 min)"
    )
    if load_start[0] > 0.5:
        print(
            f"warning: load average {load_start[0]:.2f} > 0.5 at start: other work shares the CPUs"
        )
    results = {name: time_recipe(name, recipe_flags[name], args) for name in args.order.split(",")}
    load_end = os.getloadavg()

    print()
    for name, points in results.items():
        reached = [first_reached(points, target) for target in TARGETS]
        shown = [f"{s:.1f} s" if s is not None else "not reached" for s in reached]
        print(f"{name}: " + ", ".join(f"{t} F1 {s}" for t, s in zip(TARGETS, shown, strict=True)))
    print(f"load average at end {' '.join(f'{x:.2f}' for x in load_end)}")
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "tagging_time_to_accuracy")
    trainer.write_json(
        f"{stem}.json",
        {
            "command": " ".join(sys.argv),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "cpus": os.cpu_count(),
            "load_average": {"start": load_start, "end": load_end},
            "recipes": {
                name: {
                    "flags": recipe_flags[name],
                    "points": points,
                    "seconds_to_f1": {str(t): first_reached(points, t) for t in TARGETS},
                }
                for name, points in results.items()
            },
        },
    )
    plot(results, f"{stem}.png")
    print(f"wrote {stem}.json and {stem}.png")


if __name__ == "__main__":
    main()
