"""tfa.losses under Keras 3, in tfa's modules: focal, contrastive, triplet, pinball, GIoU
and sparsemax losses. The metric-learning losses mine pairs and triplets within the batch
they are given: under a distribution strategy, each replica's own batch."""

from kerasdl.addons.losses.contrastive import ContrastiveLoss, contrastive_loss
from kerasdl.addons.losses.focal_loss import SigmoidFocalCrossEntropy, sigmoid_focal_crossentropy
from kerasdl.addons.losses.giou_loss import GIoULoss, giou_loss
from kerasdl.addons.losses.quantiles import PinballLoss, pinball_loss
from kerasdl.addons.losses.sparsemax_loss import SparsemaxLoss, sparsemax_loss
from kerasdl.addons.losses.triplet import (
    TripletHardLoss,
    TripletSemiHardLoss,
    triplet_hard_loss,
    triplet_semihard_loss,
)

__all__ = [
    "ContrastiveLoss",
    "GIoULoss",
    "PinballLoss",
    "SigmoidFocalCrossEntropy",
    "SparsemaxLoss",
    "TripletHardLoss",
    "TripletSemiHardLoss",
    "contrastive_loss",
    "giou_loss",
    "pinball_loss",
    "sigmoid_focal_crossentropy",
    "sparsemax_loss",
    "triplet_hard_loss",
    "triplet_semihard_loss",
]
