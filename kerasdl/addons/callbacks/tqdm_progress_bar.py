"""tfa.callbacks.TQDMProgressBar: tqdm progress bars for `fit` and `evaluate`."""

import time
from collections import defaultdict

import keras


@keras.saving.register_keras_serializable(package="Addons")
class TQDMProgressBar(keras.callbacks.Callback):
    """tqdm progress bars (on stderr) for `fit` (one bar over the epochs, one per epoch)
    and `evaluate`, instead of Keras' (`verbose=0` turns Keras' off).

    As tfa: the epoch bar's description is the metrics, each the mean of the running
    values Keras reports after each batch; at the end of an epoch it shows the epoch's
    logs (validation metrics included). "Epoch i/n" is printed (stdout) above each epoch
    bar. tqdm (`tqdm.auto`, so notebooks get widgets) is imported when the callback is made.

    Args:
        metrics_separator: between metrics (default " - ").
        overall_bar_format: tqdm `bar_format` of the epochs bar.
        epoch_bar_format: tqdm `bar_format` of the per-epoch (and evaluation) bar.
        metrics_format: format of one metric, with `name` and `value`.
        update_per_second: most updates of the epoch bar a second.
        leave_epoch_progress: keep each finished epoch bar.
        leave_overall_progress: keep the finished epochs bar.
        show_epoch_progress: show the per-epoch bars.
        show_overall_progress: show the epochs bar.
    """

    def __init__(
        self,
        metrics_separator: str = " - ",
        overall_bar_format: str = "{l_bar}{bar} {n_fmt}/{total_fmt} ETA: "
        "{remaining}s,  {rate_fmt}{postfix}",
        epoch_bar_format: str = "{n_fmt}/{total_fmt}{bar} ETA: {remaining}s - {desc}",
        metrics_format: str = "{name}: {value:0.4f}",
        update_per_second: int = 10,
        leave_epoch_progress: bool = True,
        leave_overall_progress: bool = True,
        show_epoch_progress: bool = True,
        show_overall_progress: bool = True,
    ):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("Please install tqdm via pip install tqdm") from None
        super().__init__()
        self.tqdm = tqdm
        self.metrics_separator = metrics_separator
        self.overall_bar_format = overall_bar_format
        self.epoch_bar_format = epoch_bar_format
        self.leave_epoch_progress = leave_epoch_progress
        self.leave_overall_progress = leave_overall_progress
        self.show_epoch_progress = show_epoch_progress
        self.show_overall_progress = show_overall_progress
        self.metrics_format = metrics_format
        self.update_per_second = update_per_second
        self.update_interval = 1 / update_per_second
        self.last_update_time = time.time()
        self.overall_progress_tqdm = None
        self.epoch_progress_tqdm = None
        self.is_training = False
        self.num_epochs = None
        self.logs = None

    def _initialize_progbar(self, hook, epoch, logs=None):
        self.num_samples_seen = 0
        self.steps_to_update = 0
        self.steps_so_far = 0
        self.logs = defaultdict(float)
        self.num_epochs = self.params.get("epochs")
        self.mode = "steps"
        self.total_steps = self.params.get("steps")
        if hook == "train_overall":
            if self.show_overall_progress:
                self.overall_progress_tqdm = self.tqdm(
                    desc="Training",
                    total=self.num_epochs,
                    bar_format=self.overall_bar_format,
                    leave=self.leave_overall_progress,
                    dynamic_ncols=True,
                    unit="epochs",
                )
        elif hook == "test":
            if self.show_epoch_progress:
                self.epoch_progress_tqdm = self.tqdm(
                    total=self.total_steps,
                    desc="Evaluating",
                    bar_format=self.epoch_bar_format,
                    leave=self.leave_epoch_progress,
                    dynamic_ncols=True,
                    unit=self.mode,
                )
        elif hook == "train_epoch":
            if self.show_epoch_progress:
                print(f"Epoch {epoch + 1}/{self.num_epochs}")
                self.epoch_progress_tqdm = self.tqdm(
                    total=self.total_steps,
                    bar_format=self.epoch_bar_format,
                    leave=self.leave_epoch_progress,
                    dynamic_ncols=True,
                    unit=self.mode,
                )

    def _clean_up_progbar(self, hook, logs):
        if hook == "train_overall":
            if self.show_overall_progress:
                self.overall_progress_tqdm.close()
            return
        if hook == "test":
            metrics = self.format_metrics(logs, self.num_samples_seen)
        else:
            metrics = self.format_metrics(logs)
        if self.show_epoch_progress:
            bar = self.epoch_progress_tqdm
            bar.desc = metrics
            # So that the last update is displayed.
            bar.miniters = 0
            bar.mininterval = 0
            bar.update((self.total_steps or self.steps_so_far) - bar.n)
            bar.close()

    def _update_progbar(self, logs):
        self.num_samples_seen += 1
        self.steps_to_update += 1
        self.steps_so_far += 1
        if self.total_steps is None or self.steps_so_far <= self.total_steps:
            for metric, value in (logs or {}).items():
                self.logs[metric] += value
            now = time.time()
            if self.show_epoch_progress and now - self.last_update_time >= self.update_interval:
                self.epoch_progress_tqdm.desc = self.format_metrics(
                    self.logs, self.num_samples_seen
                )
                self.epoch_progress_tqdm.update(self.steps_to_update)
                self.steps_to_update = 0
                self.last_update_time = now

    def on_train_begin(self, logs=None):
        self.is_training = True
        self._initialize_progbar("train_overall", None, logs)

    def on_train_end(self, logs=None):
        self.is_training = False
        self._clean_up_progbar("train_overall", logs)

    def on_test_begin(self, logs=None):
        if not self.is_training:
            self._initialize_progbar("test", None, logs)

    def on_test_end(self, logs=None):
        if not self.is_training:
            self._clean_up_progbar("test", self.logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._initialize_progbar("train_epoch", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._clean_up_progbar("train_epoch", logs)
        if self.show_overall_progress:
            self.overall_progress_tqdm.update(1)

    def on_test_batch_end(self, batch, logs=None):
        if not self.is_training:
            self._update_progbar(logs)

    def on_batch_end(self, batch, logs=None):
        self._update_progbar(logs)

    def format_metrics(self, logs=None, factor=1):
        """`logs` as one string: each metric (but "batch" and "size") divided by `factor`
        and formatted with `metrics_format`, joined with `metrics_separator`."""
        pairs = [
            self.metrics_format.format(name=key, value=value / factor)
            for key, value in (logs or {}).items()
            if key not in ("batch", "size")
        ]
        return self.metrics_separator.join(pairs)

    def get_config(self):
        """tfa's keys, and `metrics_format` and `update_per_second`, which tfa's left out."""
        return {
            "metrics_separator": self.metrics_separator,
            "overall_bar_format": self.overall_bar_format,
            "epoch_bar_format": self.epoch_bar_format,
            "metrics_format": self.metrics_format,
            "update_per_second": self.update_per_second,
            "leave_epoch_progress": self.leave_epoch_progress,
            "leave_overall_progress": self.leave_overall_progress,
            "show_epoch_progress": self.show_epoch_progress,
            "show_overall_progress": self.show_overall_progress,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
