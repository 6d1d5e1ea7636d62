"""tfa.losses under Keras 3: the focal loss with tfa's semantics. The metric-learning,
box and quantile losses are listed in BUILD_NOTES' migration table."""

from kerasdl.addons.losses.focal_loss import SigmoidFocalCrossEntropy, sigmoid_focal_crossentropy

__all__ = ["SigmoidFocalCrossEntropy", "sigmoid_focal_crossentropy"]
