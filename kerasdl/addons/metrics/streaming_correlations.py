"""tfa.metrics streaming correlations: Pearson's r, Spearman's rho and Kendall's tau-b and
tau-c estimated from streamed histograms, as tfa 0.23."""

import keras
import numpy as np
from keras import ops

from kerasdl.addons.metrics.utils import ResetStatesAlias


class CorrelationBase(ResetStatesAlias, keras.metrics.Metric):
    """The joint and marginal histograms of (`y_true`, `y_pred`) that tfa 0.23's streaming
    correlations estimate from (after Xiao 2017, arXiv:1712.01521).

    Values are clipped to `[actual_min, actual_max]` / `[preds_min, preds_max]` and counted
    into `actual_cutpoints - 1` x `preds_cutpoints - 1` equal bins: the joint histogram `m`,
    its marginals `nrow`, `ncol`, and the count `n`. Memory is fixed however many batches
    stream in, and the subclasses' estimates are exact only up to the bin width (values in
    one bin count as tied). `sample_weight` is ignored, as tfa. A value at a maximum of 2 or
    more, where float32 cannot hold tfa's last cut (the maximum plus Keras' epsilon), goes
    to the last bin; tfa's scatter fails on it on the CPU.

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
        # As tfa: edges spaced in float64 between the float32 ends, the last nudged up by
        # Keras' epsilon so that `high` falls inside, then rounded to float32.
        cuts = np.linspace(float(np.float32(low)), float(np.float32(high)), cutpoints)
        cuts[-1] += keras.config.epsilon()
        return cuts.astype("float32")

    @staticmethod
    def _bins(cuts):
        """Bin centres, as tfa computes them in float32."""
        return ops.convert_to_tensor((cuts[1:] - cuts[:-1]) / np.float32(2.0) + cuts[:-1])

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
        i = ops.clip(ops.cast(i, "int32"), 0, rows - 1)
        j = ops.clip(ops.cast(j, "int32"), 0, cols - 1)
        joint = ops.bincount(i * cols + j, minlength=rows * cols)
        self.m.assign_add(ops.cast(ops.reshape(joint, (rows, cols)), "int64"))
        self.nrow.assign_add(ops.cast(ops.bincount(i, minlength=rows), "int64"))
        self.ncol.assign_add(ops.cast(ops.bincount(j, minlength=cols), "int64"))
        self.n.assign_add(ops.cast(ops.shape(i)[0], "int64"))

    def result(self):
        raise NotImplementedError

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


class KendallsTauBase(CorrelationBase):
    """Pair counts of the histograms, for Kendall's tau (Xiao 2017, section 3)."""

    def _compute_variables(self):
        """`(p, q, t, u)`: concordant and discordant pairs, pairs tied in `y_true` only and
        pairs tied in `y_pred` only (pairs in one joint bin are tied in both)."""
        m = ops.cast(self.m, "float32")
        below_left = ops.cumsum(ops.cumsum(m, axis=0), axis=1)
        concordant = ops.sum(below_left[:-1, :-1] * m[1:, 1:])
        same_bin = ops.sum(ops.square(m))
        ties_true = (ops.cast(ops.sum(ops.square(self.nrow)), "float32") - same_bin) / 2.0
        ties_pred = (ops.cast(ops.sum(ops.square(self.ncol)), "float32") - same_bin) / 2.0
        ties_both = ops.sum(m * (m - 1.0)) / 2.0
        n = ops.cast(self.n, "float32")
        pairs = (n - 1.0) * n / 2.0
        discordant = pairs - concordant - ties_true - ties_pred - ties_both
        return concordant, discordant, ties_true, ties_pred


@keras.saving.register_keras_serializable(package="Addons")
class KendallsTauB(KendallsTauBase):
    """Kendall's tau-b rank correlation, `(p - q) / sqrt((p + q + t) (p + q + u))` from the
    streamed histograms of `CorrelationBase` (whose arguments it takes)."""

    def result(self):
        p, q, t, u = self._compute_variables()
        return ops.cast((p - q) / ops.sqrt((p + q + t) * (p + q + u)), self.dtype)


@keras.saving.register_keras_serializable(package="Addons")
class KendallsTauC(KendallsTauBase):
    """Kendall's tau-c (Stuart's tau-c) rank correlation, `2 (p - q) / (n^2 (k - 1) / k)`
    with `k` the smaller number of non-empty bins of the two marginals, from the streamed
    histograms of `CorrelationBase` (whose arguments it takes)."""

    def result(self):
        p, q, _, _ = self._compute_variables()
        n = ops.cast(self.n, "float32")
        k = ops.cast(
            ops.minimum(ops.count_nonzero(self.ncol), ops.count_nonzero(self.nrow)), "float32"
        )
        return ops.cast(2.0 * (p - q) / (ops.square(n) * (k - 1.0) / k), self.dtype)


@keras.saving.register_keras_serializable(package="Addons")
class SpearmansRank(CorrelationBase):
    """Spearman's rank correlation from the streamed histograms of `CorrelationBase` (whose
    arguments it takes): each bin's values take the bin's mid-rank, centred; the result is
    the count-weighted correlation of the row and column ranks over the joint histogram."""

    def result(self):
        nrow, ncol = ops.cast(self.nrow, "float32"), ops.cast(self.ncol, "float32")
        n = ops.cast(self.n, "float32")
        # Mid-rank minus the mean rank (n + 1) / 2; empty bins carry no weight.
        rrow = ops.cumsum(nrow) - nrow + (ops.where(nrow > 0, nrow, -1.0) - n) / 2.0
        rcol = ops.cumsum(ncol) - ncol + (ops.where(ncol > 0, ncol, -1.0) - n) / 2.0
        rrow = rrow / ops.sqrt(ops.sum(nrow * ops.square(rrow)))
        rcol = rcol / ops.sqrt(ops.sum(ncol * ops.square(rcol)))
        m = ops.cast(self.m, "float32")
        corr = ops.matmul(ops.matmul(rrow[None, :], m), rcol[:, None])
        return ops.cast(ops.reshape(corr, ()), self.dtype)


@keras.saving.register_keras_serializable(package="Addons")
class PearsonsCorrelation(CorrelationBase):
    """Pearson's correlation of `y_true` and `y_pred` from the streamed histograms of
    `CorrelationBase` (whose arguments it takes): Pearson's r of the bin centres weighted
    by the counts. `keras.metrics.PearsonCorrelation` instead averages an exact per-batch
    r over batches."""

    def result(self):
        ncol, nrow = ops.cast(self.ncol, "float32"), ops.cast(self.nrow, "float32")
        m, n = ops.cast(self.m, "float32"), ops.cast(self.n, "float32")
        col_bins, row_bins = self._bins(self.preds_cuts), self._bins(self.actual_cuts)
        n_col, n_row = ops.sum(ncol), ops.sum(nrow)
        col_mean = ops.sum(ncol * col_bins) / n_col
        row_mean = ops.sum(nrow * row_bins) / n_row
        col_var = ops.sum(ncol * ops.square(col_bins)) - n_col * ops.square(col_mean)
        row_var = ops.sum(nrow * ops.square(row_bins)) - n_row * ops.square(row_mean)
        joint = ops.sum(m * row_bins[:, None] * col_bins) - n * col_mean * row_mean
        return ops.cast(joint / ops.sqrt(col_var * row_var), self.dtype)
