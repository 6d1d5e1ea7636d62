"""Training callbacks: gradient diagnostics (GradientMonitor), weight averaging (SWA), an
early stopping whose state survives a resume (EarlyStopping) and a time budget
(TimeStopping, tfa's, which the trainers' `--time_budget` uses)."""

import datetime
import math
import time
import warnings

import keras
import numpy as np
from keras import ops

from kerasdl import _keras_private

__all__ = ["SWA", "EarlyStopping", "GradientMonitor", "TimeStopping"]


class EarlyStopping(keras.callbacks.EarlyStopping):
    """`keras.callbacks.EarlyStopping` whose state travels in `kerasdl.backup` backups, and
    which can keep the later of equally good epochs.

    Keras' callback forgets, when a killed run resumes, the best epoch seen so far (and,
    with `restore_best_weights`, its weights), so a resumed run could stop later and keep
    other weights than an uninterrupted one. `BackupAndRestore(..., stateful_callbacks=
    [this])` stores `backup_state()` with every backup and hands it back on resume.

    With `restore_best_weights` and an optimizer that averages the weights (`use_ema=True`,
    the trainers' `--ema`), the weights kept for the best epoch are the averages at that
    epoch, what `model.fit` would have left had training stopped there. (Keras' callback
    keeps the raw weights, and restoring them undoes the averaging.) The epoch is still
    chosen by the monitored value, which `fit` computes with the raw weights.

    Args:
        monitor, min_delta, patience, verbose, mode, baseline, restore_best_weights,
        start_from_epoch: as for `keras.callbacks.EarlyStopping`.
        ties: "earlier" (Keras' rule: only a value better than the best so far by more
            than `min_delta` is a new best) or "later": a value that equals the best so
            far (by exactly `min_delta`) is a new best too, so of equal epochs the last
            is kept and the patience count starts again from it.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
        ties: str = "earlier",
    ):
        if ties not in ("earlier", "later"):
            raise ValueError(f'ties must be "earlier" or "later", got {ties!r}.')
        super().__init__(
            monitor=monitor,
            min_delta=min_delta,
            patience=patience,
            verbose=verbose,
            mode=mode,
            baseline=baseline,
            restore_best_weights=restore_best_weights,
            start_from_epoch=start_from_epoch,
        )
        self.ties = ties

    def get_config(self) -> dict:
        """The constructor arguments: `EarlyStopping(**get_config())` is the same callback."""
        return {
            "monitor": self.monitor,
            "min_delta": abs(self.min_delta),  # Keras negates it once it knows mode "min"
            "patience": self.patience,
            "verbose": self.verbose,
            "mode": self.mode,
            "baseline": self.baseline,
            "restore_best_weights": self.restore_best_weights,
            "start_from_epoch": self.start_from_epoch,
            "ties": self.ties,
        }

    def on_epoch_end(self, epoch, logs=None):
        best, wait = self.best, self.wait
        stopped_epoch, stop_training = self.stopped_epoch, self.model.stop_training
        super().on_epoch_end(epoch, logs)
        if self.restore_best_weights and self.best_epoch == epoch:
            self.best_weights = self._with_averages(self.best_weights)
        current = (logs or {}).get(self.monitor)
        if self.ties != "later" or current is None or epoch < self.start_from_epoch:
            return
        if best is None or current - self.min_delta != best:
            return
        # Keras counted the tie as no improvement; undo that and take this epoch as the best.
        self.best, self.best_epoch = current, epoch
        if self.restore_best_weights:
            self.best_weights = self._with_averages(self.model.get_weights())
        self.wait = 0 if self._reaches_baseline(current) else wait + 1
        self.stopped_epoch, self.model.stop_training = stopped_epoch, stop_training

    def _with_averages(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        """`weights` (the model's, in `model.weights` order) with each trainable one
        replaced by its moving average when the optimizer keeps one; else `weights`."""
        averages = _keras_private.moving_average_of(getattr(self.model, "optimizer", None))
        if not averages:
            return weights
        return [
            ops.convert_to_numpy(averages[id(variable)]) if id(variable) in averages else value
            for variable, value in zip(self.model.weights, weights, strict=True)
        ]

    def _reaches_baseline(self, value) -> bool:
        if self.baseline is None:
            return True
        value = value - self.min_delta  # min_delta carries the sign of the mode here
        return value == self.baseline or bool(self.monitor_op(value, self.baseline))

    def backup_state(self) -> tuple[dict, list[np.ndarray]]:
        """`(scalars, best weights)` of the patience count and the best epoch so far."""
        scalars = {
            "wait": int(self.wait),
            "stopped_epoch": int(self.stopped_epoch),
            "best": None if self.best is None else float(self.best),
            "best_epoch": int(self.best_epoch),
        }
        return scalars, list(self.best_weights or [])

    def restore_backup_state(self, scalars: dict, arrays: list[np.ndarray]) -> None:
        """Takes back `backup_state()`; applied now and again after `on_train_begin` resets."""
        self._restored = (scalars, arrays)
        self._apply_restored()

    def _apply_restored(self):
        scalars, arrays = self._restored
        self.wait, self.stopped_epoch = scalars["wait"], scalars["stopped_epoch"]
        self.best, self.best_epoch = scalars["best"], scalars["best_epoch"]
        self.best_weights = list(arrays) if arrays else None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if getattr(self, "_restored", None) is not None:
            self._apply_restored()


class GradientMonitor(keras.callbacks.Callback):
    """Records per-layer gradient norms and flags vanishing or exploding gradients.

    Keras callbacks never see the gradients of a training step, so every
    `every_n_steps` batches the monitor computes them itself on a fixed probe
    batch `(x, y[, sample_weight])`: a training-mode forward pass through
    `model.stateless_call` (BatchNorm statistics and other state are left
    untouched), the compiled loss, and one backward pass. The norm of a layer is
    the global L2 norm of the gradients of its trainable weights (top-level
    layers of the model).

    - vanishing: a layer's norm stays below `vanishing_threshold` for
      `patience` consecutive checks (Hochreiter 1991; Bengio et al. 1994);
    - exploding: a layer's norm exceeds `exploding_threshold` or is not finite
      (Pascanu et al. 2013, "On the difficulty of training recurrent neural
      networks"). The cure for exploding gradients is the optimizer's
      `clipnorm=` / `global_clipnorm=`; for vanishing ones, residual
      connections, normalisation and non-saturating activations.

    Results: `history` (`{"step": [...], "norms": {layer: [...]}}`),
    `flags` (`{layer: "vanishing" | "exploding"}`, the first flag per layer)
    and `events` (`[(step, layer, kind, norm), ...]`). Each new flag is also
    issued as a `RuntimeWarning` unless `warn=False`. With `log_dir`, norms
    are written to TensorBoard as `gradient_norm/<layer>` scalars.

    Args:
        probe_data: `(x, y)` or `(x, y, sample_weight)` batch used for the
            gradients (keep it small: it costs one forward and backward pass).
        every_n_steps: check every this many training batches.
        vanishing_threshold: norm under which a layer's gradient counts as vanishing.
        exploding_threshold: norm over which it counts as exploding.
        patience: consecutive vanishing checks before flagging.
        log_dir: optional TensorBoard log directory.
        stop_on_exploding: stop training when a layer is flagged exploding.
        warn: issue a warning for each new flag.
    """

    def __init__(
        self,
        probe_data,
        every_n_steps: int = 50,
        vanishing_threshold: float = 1e-7,
        exploding_threshold: float = 1e3,
        patience: int = 3,
        log_dir: str | None = None,
        stop_on_exploding: bool = False,
        warn: bool = True,
    ):
        super().__init__()
        if len(probe_data) not in (2, 3):
            raise ValueError("probe_data must be (x, y) or (x, y, sample_weight)")
        self.probe_data = tuple(probe_data)
        self.every_n_steps = int(every_n_steps)
        self.vanishing_threshold = vanishing_threshold
        self.exploding_threshold = exploding_threshold
        self.patience = int(patience)
        self.log_dir = log_dir
        self.stop_on_exploding = stop_on_exploding
        self.warn = warn
        self.history = {"step": [], "norms": {}}
        self.flags = {}
        self.events = []
        self._below = {}
        self._step = 0
        self._norm_fn = None
        self._writer = None

    def _layer_groups(self):
        """Top-level layer name -> indices into model.trainable_variables."""
        index = {id(v): i for i, v in enumerate(self.model.trainable_variables)}
        groups, seen = {}, set()
        for layer in self.model.layers:
            ids = [index[id(v)] for v in layer.trainable_weights if id(v) in index]
            ids = [i for i in ids if i not in seen]
            if ids:
                groups[layer.name] = ids
                seen.update(ids)
        rest = [i for i in range(len(index)) if i not in seen]
        if rest:
            groups[self.model.name] = rest
        return groups

    def _build_norm_fn(self):
        import tensorflow as tf

        model = self.model
        groups = self._layer_groups()
        self._names = list(groups)
        x, y, sample_weight = (self.probe_data + (None,))[:3]

        def norms():
            trainable = [v.value for v in model.trainable_variables]
            non_trainable = [v.value for v in model.non_trainable_variables]
            with tf.GradientTape() as tape:
                tape.watch(trainable)
                y_pred, _ = model.stateless_call(trainable, non_trainable, x, training=True)
                loss = model.compute_loss(
                    x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
                )
            grads = tape.gradient(loss, trainable)
            out = []
            for name in self._names:
                squares = [
                    ops.sum(ops.square(ops.cast(grads[i], "float32")))
                    for i in groups[name]
                    if grads[i] is not None
                ]
                out.append(ops.sqrt(ops.sum(ops.stack(squares))) if squares else 0.0)
            return ops.stack(out)

        self._norm_fn = tf.function(norms)

    def on_train_begin(self, logs=None):
        if keras.backend.backend() != "tensorflow":
            raise NotImplementedError("GradientMonitor supports the TensorFlow backend only")
        self._build_norm_fn()
        if self.log_dir:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.every_n_steps:
            return
        self.check()

    def check(self) -> dict:
        """Computes the norms now, records them and updates the flags."""
        if self._norm_fn is None:
            self._build_norm_fn()
        values = [float(v) for v in np.asarray(self._norm_fn())]
        step = self._step
        self.history["step"].append(step)
        for name, norm in zip(self._names, values, strict=True):
            self.history["norms"].setdefault(name, []).append(norm)
            if not math.isfinite(norm) or norm > self.exploding_threshold:
                self._flag(step, name, "exploding", norm)
                continue
            below = self._below.get(name, 0) + 1 if norm < self.vanishing_threshold else 0
            self._below[name] = below
            if below >= self.patience:
                self._flag(step, name, "vanishing", norm)
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default(step=step):
                for name, norm in zip(self._names, values, strict=True):
                    tf.summary.scalar(f"gradient_norm/{name}", norm)
            self._writer.flush()
        return dict(zip(self._names, values, strict=True))

    def _flag(self, step, name, kind, norm):
        self.events.append((step, name, kind, norm))
        if name in self.flags:
            return
        self.flags[name] = kind
        if self.warn:
            warnings.warn(
                f"GradientMonitor: {kind} gradients in layer {name!r} at step {step} "
                f"(norm {norm:.3g})",
                RuntimeWarning,
                stacklevel=2,
            )
        if kind == "exploding" and self.stop_on_exploding:
            self.model.stop_training = True

    @property
    def vanishing_layers(self) -> list:
        return [name for name, kind in self.flags.items() if kind == "vanishing"]

    @property
    def exploding_layers(self) -> list:
        return [name for name, kind in self.flags.items() if kind == "exploding"]

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class SWA(keras.callbacks.Callback):
    """Stochastic weight averaging: averages the weights of late epochs.

    Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and Better
    Generalization" (UAI), Algorithm 1. From epoch `start_epoch` (0-based) on,
    at the end of every `average_every`-th epoch the running average
    `w_swa <- (w_swa * n + w) / (n + 1)` of the trainable weights is updated.
    When training ends the average is swapped into the model and, because
    averaged weights change every layer's input statistics, BatchNorm moving
    means and variances are recomputed with one training-mode pass over
    `bn_data` (a cumulative average over its batches, as the paper's
    `bn_update`). Without `bn_data`, BatchNorm models keep their last statistics
    and a warning says so.

    Args:
        start_epoch: first epoch (0-based) whose weights enter the average.
        average_every: average every this many epochs (the paper's cycle length c).
        bn_data: batches of inputs (a `tf.data.Dataset` of `x` or `(x, y)`, or
            an array, split into `batch_size` batches) for the BatchNorm pass.
        batch_size: batch size used when `bn_data` is an array.
        swa_learning_rate: if set, the optimizer's learning rate is set to it
            at `start_epoch` (the paper's constant SWA schedule).
    """

    def __init__(
        self,
        start_epoch: int,
        average_every: int = 1,
        bn_data=None,
        batch_size: int = 32,
        swa_learning_rate: float | None = None,
    ):
        super().__init__()
        self.start_epoch = int(start_epoch)
        self.average_every = int(average_every)
        self.bn_data = bn_data
        self.batch_size = int(batch_size)
        self.swa_learning_rate = swa_learning_rate
        self.averaged_models = 0
        self._average = None

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.start_epoch and self.swa_learning_rate is not None:
            self.model.optimizer.learning_rate = self.swa_learning_rate

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_epoch or (epoch - self.start_epoch) % self.average_every:
            return
        weights = [np.asarray(v) for v in self.model.trainable_variables]
        n = self.averaged_models
        if self._average is None:
            self._average = [w.astype("float64") for w in weights]
        else:
            self._average = [
                a + (w - a) / (n + 1) for a, w in zip(self._average, weights, strict=True)
            ]
        self.averaged_models = n + 1

    def on_train_end(self, logs=None):
        if self._average is None:
            warnings.warn(
                f"SWA: training ended before start_epoch={self.start_epoch}; weights unchanged",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        for variable, average in zip(self.model.trainable_variables, self._average, strict=True):
            variable.assign(average.astype(variable.dtype))
        batch_norms = [
            layer
            for layer in self.model._flatten_layers()
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        if not batch_norms:
            return
        if self.bn_data is None:
            warnings.warn(
                "SWA: the model has BatchNormalization but no bn_data was given; "
                "its moving statistics were not recomputed for the averaged weights",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        recompute_batch_norm_statistics(self.model, self.bn_data, self.batch_size)


def _input_batches(data, batch_size):
    if isinstance(data, (np.ndarray, list)) or ops.is_tensor(data):
        data = np.asarray(data)
        for start in range(0, len(data), batch_size):
            yield data[start : start + batch_size]
        return
    for batch in data:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


def recompute_batch_norm_statistics(model, data, batch_size: int = 32) -> int:
    """Resets every BatchNorm's moving mean/variance to their average over `data`.

    Each batch `i` (1-based) is run in training mode with momentum
    `(i - 1) / i`, so the moving statistics end as the plain mean of the
    per-batch statistics. Other state is untouched. Returns the number of batches.
    """
    batch_norms = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    momenta = [layer.momentum for layer in batch_norms]
    trainable = [v.value for v in model.trainable_variables]
    count = 0
    try:
        for count, x in enumerate(_input_batches(data, batch_size), start=1):
            for layer in batch_norms:
                layer.momentum = (count - 1) / count
            non_trainable = [v.value for v in model.non_trainable_variables]
            _, new_non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
            for variable, value in zip(
                model.non_trainable_variables, new_non_trainable, strict=True
            ):
                variable.assign(value)
    finally:
        for layer, momentum in zip(batch_norms, momenta, strict=True):
            layer.momentum = momentum
    return count


@keras.saving.register_keras_serializable(package="kerasdl")
class TimeStopping(keras.callbacks.Callback):
    """Stops `fit` at the end of the first epoch that ends `seconds` after training began.

    Args:
        seconds: the time budget (default one day).
        verbose: print the epoch at which training stopped.
    """

    def __init__(self, seconds: int = 86400, verbose: int = 0):
        super().__init__()
        self.seconds = seconds
        self.verbose = verbose
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        self.stopping_time = time.time() + self.seconds

    def on_epoch_end(self, epoch, logs=None):
        if time.time() >= self.stopping_time:
            self.model.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose > 0:
            formatted = datetime.timedelta(seconds=self.seconds)
            print(
                f"Timed stopping at epoch {self.stopped_epoch + 1} after training for {formatted}"
            )

    def get_config(self):
        return {"seconds": self.seconds, "verbose": self.verbose}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
