"""One training run of an application: the plumbing every trainer shares, written once.

An application's `main` reads as its recipe; what is the same in every recipe is here:

- the prologue: the distribution strategy (made before any other TensorFlow op, as
  multi-worker training needs), flag checks, seeds and precision, the model and export
  folders (a non-chief worker writes to `{model_dir}/.worker-N` and exports nothing);
- `count_batches`: the steps of an epoch as the dataset really yields them, stated on the
  dataset, so the schedule spans the whole run and Keras' progress knows its end;
- `compile`: schedule, optimizer (weight averaging, clipping) and `jit_compile` from the
  flags, inside the strategy's scope;
- `fit`: backup-and-restore, checkpoint, TensorBoard, non-finite-loss stop and early
  stopping, the epoch keying of shufflers and augmenters, the training clock;
- `evaluate_classifier`: test metrics plus the per-class report and confusion matrix;
- `save_and_export`: `model.keras` and the SavedModel with raw-input signatures;
- `finish`: `metrics.json` with the fields every task writes, then the backup is removed.

`applications/<task>/__main__.py` shows each in use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import keras
import tensorflow as tf
from absl import flags

from kerasdl import distribute, reports, trainer
from kerasdl.callbacks import EarlyStopping, TimeStopping
from kerasdl.export import export_saved_model
from kerasdl.faults import kill_point


class Experiment:
    """The strategy, folders, training and reporting of one run of `task`.

    Args:
        task: the application's name, written to `metrics.json` (`"image_classification"`).
        flag_values: the parsed flags of `trainer.define_common_flags` (and the groups the
            application defined); default `absl.flags.FLAGS`.

    Raises:
        InputError: a shared flag is out of range, or a folder is not writable.

    Example:

    ```python
    from absl import flags
    from kerasdl import trainer
    from kerasdl.experiment import Experiment

    values = flags.FlagValues()  # a trainer uses absl's FLAGS, parsed by trainer.run
    defaults = dict(epochs=2, batch_size=8, learning_rate=1e-2)
    trainer.define_common_flags(task="toy", defaults=defaults, flag_values=values)
    values(["toy", "--model_dir=runs/toy"])

    run = Experiment("toy", values)
    x = np.random.rand(64, 4).astype("float32")
    y = (x[:, 0] > 0.5).astype("int64")
    train, steps = run.count_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(8))
    with run.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    run.compile(model, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                steps_per_epoch=steps)
    run.fit(model, train, train)
    metrics = run.finish(model.evaluate(train, return_dict=True, verbose=0))
    print(metrics["test"]["accuracy"], metrics["train_seconds"])
    ```
    """

    def __init__(self, task: str, flag_values: flags.FlagValues | None = None):
        self.task = task
        self.flags = flag_values or flags.FLAGS
        self.strategy = distribute.get_strategy(self.flags.strategy)  # before any other TF op
        trainer.configure(self.flags)
        self.chief = distribute.is_chief(self.strategy)
        # Checked now, made when the run first writes: the data is read first, so a
        # model_dir inside a folder of class folders is not taken for a class.
        self.model_dir = trainer.check_model_dir(
            distribute.worker_model_dir(self.strategy, self.flags.model_dir)
        )
        self.export_dir = trainer.resolve_export_dir(
            self.flags.export_dir if self.chief else None, self.model_dir
        )
        self.train_seconds = 0.0
        self.epochs_run = 0

    def _folder(self) -> str:
        """The model folder, made on first use."""
        return trainer.prepare_model_dir(self.model_dir)

    def scope(self):
        """The strategy's scope: build models (and their variables) inside it."""
        return self.strategy.scope()

    def skip_short_batches(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        """Training batches with a row for every replica
        (`distribute.skip_short_training_batches`)."""
        return distribute.skip_short_training_batches(dataset, self.strategy)

    @staticmethod
    def count_batches(dataset: tf.data.Dataset) -> tuple[tf.data.Dataset, int]:
        """`(dataset, steps)`: the batches one epoch of `dataset` yields, and the dataset
        with that count stated.

        Length bucketing and filters hide the count from tf.data; it is fixed (bucket sizes
        depend on lengths alone), so one pass counts it. With the count stated, the
        learning-rate schedule spans exactly `epochs * steps` steps and Keras' progress
        bar and "ran out of data" check know where an epoch ends.
        """
        steps = int(dataset.cardinality())
        if steps < 0:
            steps = int(dataset.reduce(0, lambda count, _: count + 1))
            dataset = dataset.apply(tf.data.experimental.assert_cardinality(steps))
        return dataset, steps

    def compile(
        self,
        model: keras.Model,
        *,
        loss,
        metrics: Sequence,
        steps_per_epoch: int,
        momentum: float | None = None,
        clipnorm: float = 0.0,
    ) -> None:
        """Compiles `model` with the flags' optimizer, schedule (over `steps_per_epoch *
        --epochs` steps), weight averaging and `--jit_compile`; `clipnorm` > 0 clips each
        gradient to that norm, `momentum` goes to optimizers that take one."""
        values = self.flags
        with self.strategy.scope():
            schedule = trainer.learning_rate_schedule(
                values.schedule,
                values.learning_rate,
                steps_per_epoch,
                values.epochs,
                values.warmup_epochs,
            )
            optimizer = trainer.make_optimizer(
                values.optimizer, schedule, momentum=momentum, ema=values.ema
            )
            if clipnorm:
                getattr(optimizer, "optimizer", optimizer).clipnorm = clipnorm
            # A metric's totals must be variables of the strategy's scope to be summed over
            # replicas and workers; one built outside it (in the caller's argument list)
            # would report each worker's own share, so each is rebuilt here from its config.
            metrics = [
                type(m).from_config(m.get_config()) if isinstance(m, keras.metrics.Metric) else m
                for m in metrics
            ]
            model.compile(
                optimizer=optimizer, loss=loss, metrics=metrics, jit_compile=values.jit_compile
            )

    def fit(
        self,
        model: keras.Model,
        train: tf.data.Dataset,
        valid: tf.data.Dataset,
        *,
        epoch_keyed: Iterable = (),
        early_stopping: keras.callbacks.Callback | None = None,
        backup: bool = True,
        epoch_metrics: Sequence[keras.callbacks.Callback] = (),
        callbacks: Sequence[keras.callbacks.Callback] = (),
    ) -> keras.callbacks.History:
        """`model.fit` for `--epochs` with the standard callbacks; returns the history.

        Args:
            epoch_keyed: objects with `set_epoch(epoch)` (`kerasdl.data.epochs.EpochShuffle`,
                `Augmenter`), told each epoch so that its data depends on `(seed, epoch)`
                alone and a resumed run sees the batches an uninterrupted one would.
            early_stopping: the early-stopping callback (`--time_budget` adds a
                `TimeStopping`, which ends training after the epoch that spends it); default a
                `kerasdl.callbacks.EarlyStopping` on `val_loss` with `--early_stopping_patience`
                (none when that is 0). Its state travels in the backups.
            backup: False for a fit that is not the run's result (a cross-validation fold):
                no backup, checkpoint or TensorBoard, only the early stopping.
            epoch_metrics: callbacks that add entries to each epoch's logs (a validation
                F1, say), called first, so that early stopping and the backups see them.
            callbacks: more callbacks, called after the standard ones (a benchmark's
                per-epoch scoring, say).
        """
        values = self.flags
        if early_stopping is None and values.early_stopping_patience:
            early_stopping = EarlyStopping(
                patience=values.early_stopping_patience, restore_best_weights=True
            )
        stopping = [early_stopping] if early_stopping is not None else []
        standard = list(stopping)
        if backup:
            standard = trainer.standard_callbacks(self._folder(), stateful_callbacks=stopping)
        standard += [trainer.SetEpoch(*epoch_keyed)]
        if values.time_budget:
            standard.append(TimeStopping(values.time_budget, verbose=1))
        with trainer.Stopwatch() as clock:
            history = model.fit(
                train,
                validation_data=valid,
                epochs=values.epochs,
                callbacks=[*epoch_metrics, *standard, *callbacks],
                shuffle=False,  # the datasets reshuffle themselves every epoch, from --seed
                verbose=trainer.progress_verbosity(),
            )
        self.train_seconds, self.epochs_run = clock.seconds, len(history.epoch)
        if backup:
            kill_point("evaluate")
        return history

    def evaluate_classifier(
        self,
        model: keras.Model,
        test: tf.data.Dataset,
        labels: Sequence[int],
        class_names: Sequence[str],
    ) -> dict[str, float]:
        """Test metrics of a classifier, with macro precision and recall, Cohen's kappa and
        the MCC, after writing the per-class report and confusion matrix
        (`kerasdl.reports`) to the model folder. `labels` are the test set's class ids in
        `test`'s order."""
        metrics = model.evaluate(test, return_dict=True, verbose=0)
        predictions = model.predict(test, verbose=0).argmax(-1)
        report = reports.write_classification_report(
            self._folder(), labels, predictions, class_names
        )
        summary = ("macro_precision", "macro_recall", "cohen_kappa", "matthews_correlation")
        return {**metrics, **{name: report[name] for name in summary}}

    def save_and_export(self, model: keras.Model, endpoints: dict[str, Any]) -> None:
        """Saves `model` as `{model_dir}/model.keras` and exports it, with the serving
        `endpoints` (`kerasdl.export`), to the export folder."""
        model.save(os.path.join(self._folder(), "model.keras"))
        export_saved_model(self.export_dir, model, endpoints)

    def finish(self, test: dict[str, float], **extra: Any) -> dict:
        """Writes `metrics.json` (`test`, `extra` and what every run reports: epochs,
        training seconds, export folder, flags), marks the run complete (its backup goes)
        and returns what was written."""
        kill_point("metrics")
        values = self.flags
        metrics = trainer.write_metrics(
            self._folder(),
            self.task,
            test,
            **extra,
            epochs=values.epochs,
            epochs_run_this_process=self.epochs_run,
            train_seconds=self.train_seconds,
            seconds_per_epoch=self.train_seconds / max(1, self.epochs_run),
            export_dir=self.export_dir,
            flags=trainer.flag_dict(values),
        )
        trainer.finish(self.model_dir)
        return metrics
