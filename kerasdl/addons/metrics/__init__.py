"""tfa.metrics under Keras 3: F-scores and R^2 with tfa's arguments on Keras 3's metrics;
`MeanMetricWrapper` is Keras'; `PearsonsCorrelation` is tfa's streaming histogram
estimate. The rest is listed in BUILD_NOTES' migration table."""

from kerasdl.addons.metrics.f_scores import F1Score, FBetaScore
from kerasdl.addons.metrics.r_square import RSquare
from kerasdl.addons.metrics.streaming_correlations import PearsonsCorrelation
from kerasdl.addons.metrics.utils import MeanMetricWrapper

__all__ = ["F1Score", "FBetaScore", "MeanMetricWrapper", "PearsonsCorrelation", "RSquare"]
