"""tfa.metrics under Keras 3: F-scores and R^2 with tfa's arguments on Keras 3's metrics;
`MeanMetricWrapper` is Keras'; Cohen's kappa, MCC, Hamming loss, the multi-label confusion
matrix, geometric and harmonic means and the streaming histogram correlations (Pearson,
Spearman, Kendall tau-b/c) are tfa's, as Keras 3 metrics. BUILD_NOTES' migration table
lists every symbol."""

from kerasdl.addons.metrics.cohens_kappa import CohenKappa
from kerasdl.addons.metrics.f_scores import F1Score, FBetaScore
from kerasdl.addons.metrics.geometric_mean import GeometricMean
from kerasdl.addons.metrics.hamming import HammingLoss, hamming_distance, hamming_loss_fn
from kerasdl.addons.metrics.harmonic_mean import HarmonicMean
from kerasdl.addons.metrics.matthews_correlation_coefficient import (
    MatthewsCorrelationCoefficient,
)
from kerasdl.addons.metrics.multilabel_confusion_matrix import MultiLabelConfusionMatrix
from kerasdl.addons.metrics.r_square import RSquare
from kerasdl.addons.metrics.streaming_correlations import (
    KendallsTauB,
    KendallsTauC,
    PearsonsCorrelation,
    SpearmansRank,
)
from kerasdl.addons.metrics.utils import MeanMetricWrapper

__all__ = [
    "CohenKappa",
    "F1Score",
    "FBetaScore",
    "GeometricMean",
    "HammingLoss",
    "HarmonicMean",
    "KendallsTauB",
    "KendallsTauC",
    "MatthewsCorrelationCoefficient",
    "MeanMetricWrapper",
    "MultiLabelConfusionMatrix",
    "PearsonsCorrelation",
    "RSquare",
    "SpearmansRank",
    "hamming_distance",
    "hamming_loss_fn",
]
