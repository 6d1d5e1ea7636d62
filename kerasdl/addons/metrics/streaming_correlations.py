"""tfa.metrics.PearsonsCorrelation: Pearson's r from streaming histograms, as tfa 0.23."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class PearsonsCorrelation(keras.metrics.Metric):
    """Pearson's correlation of `y_true` and `y_pred`, estimated from histograms.

    As tfa 0.23 (after Lall et al. 2017, arXiv:1712.01521): values are clipped to
    `[actual_min, actual_max]` / `[preds_min, preds_max]` and counted into
    `actual_cutpoints - 1` x `preds_cutpoints - 1` equal bins (the joint histogram `m` and
    its marginals `nrow`, `ncol`); the result is Pearson's r of the bin centres weighted
    by the counts, so it streams over any number of batches in fixed memory but is exact
    only up to the bin width. `keras.metrics.PearsonCorrelation` instead averages an exact
    per-batch r over batches.

    Args:
        actual_min, actual_max: range of `y_true` (inclusive lower, exclusive upper).
        preds_min, preds_max: range of `y_pred`.
        actual_cutpoints, preds_cutpoints: number of bin edges in each range.
        name: metric name.
        dtype: result dtype.
    """

    def __init__(
        self,
        actual_min: float = 0.0,
        actual_max: float = 1.0,
        preds_min: float = 0.0,
        preds_max: float = 1.0,
        actual_cutpoints: int = 100,
        preds_cutpoints: int = 100,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.actual_min, self.actual_max = actual_min, actual_max
        self.preds_min, self.preds_max = preds_min, preds_max
        self.actual_cutpoints, self.preds_cutpoints = actual_cutpoints, preds_cutpoints
        self.actual_cuts = self._cuts(actual_min, actual_max, actual_cutpoints)
        self.preds_cuts = self._cuts(preds_min, preds_max, preds_cutpoints)
        rows, cols = actual_cutpoints - 1, preds_cutpoints - 1
        self.m = self.add_variable((rows, cols), "zeros", dtype="int64", name="m")
        self.nrow = self.add_variable((rows,), "zeros", dtype="int64", name="nrow")
        self.ncol = self.add_variable((cols,), "zeros", dtype="int64", name="ncol")
        self.n = self.add_variable((), "zeros", dtype="int64", name="n")

    @staticmethod
    def _cuts(low, high, cutpoints):
        # As tfa: float32 edges, the last nudged up by Keras' epsilon so `high` falls inside.
        cuts = np.linspace(np.float32(low), np.float32(high), cutpoints)
        cuts[-1] += keras.config.epsilon()
        return cuts.astype("float32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        rows, cols = self.actual_cutpoints - 1, self.preds_cutpoints - 1
        y_true = ops.clip(
            ops.cast(ops.reshape(y_true, (-1,)), "float32"), self.actual_min, self.actual_max
        )
        y_pred = ops.clip(
            ops.cast(ops.reshape(y_pred, (-1,)), "float32"), self.preds_min, self.preds_max
        )
        i = ops.searchsorted(self.actual_cuts, y_true, side="right") - 1
        j = ops.searchsorted(self.preds_cuts, y_pred, side="right") - 1
        i, j = ops.cast(i, "int32"), ops.cast(j, "int32")
        joint = ops.bincount(i * cols + j, minlength=rows * cols)
        self.m.assign_add(ops.cast(ops.reshape(joint, (rows, cols)), "int64"))
        self.nrow.assign_add(ops.cast(ops.bincount(i, minlength=rows), "int64"))
        self.ncol.assign_add(ops.cast(ops.bincount(j, minlength=cols), "int64"))
        self.n.assign_add(ops.cast(ops.shape(i)[0], "int64"))

    def result(self):
        ncol, nrow = ops.cast(self.ncol, "float32"), ops.cast(self.nrow, "float32")
        m, n = ops.cast(self.m, "float32"), ops.cast(self.n, "float32")
        col_bins = ops.convert_to_tensor((self.preds_cuts[1:] + self.preds_cuts[:-1]) / 2)
        row_bins = ops.convert_to_tensor((self.actual_cuts[1:] + self.actual_cuts[:-1]) / 2)
        n_col, n_row = ops.sum(ncol), ops.sum(nrow)
        col_mean = ops.sum(ncol * col_bins) / n_col
        row_mean = ops.sum(nrow * row_bins) / n_row
        col_var = ops.sum(ncol * ops.square(col_bins)) - n_col * ops.square(col_mean)
        row_var = ops.sum(nrow * ops.square(row_bins)) - n_row * ops.square(row_mean)
        joint = ops.sum(m * row_bins[:, None] * col_bins) - n * col_mean * row_mean
        return ops.cast(joint / ops.sqrt(col_var * row_var), self.dtype)

    def reset_state(self):
        for variable in (self.m, self.nrow, self.ncol, self.n):
            variable.assign(ops.zeros(variable.shape, "int64"))

    def reset_states(self):
        return self.reset_state()

    def get_config(self):
        return {
            **super().get_config(),
            "actual_min": self.actual_min,
            "actual_max": self.actual_max,
            "preds_min": self.preds_min,
            "preds_max": self.preds_max,
            "actual_cutpoints": self.actual_cutpoints,
            "preds_cutpoints": self.preds_cutpoints,
        }
