"""tfa.losses under Keras 3, in tfa's modules: focal, contrastive, triplet, lifted
structured, N-pair, pinball, GIoU, weighted kappa and sparsemax losses. The
metric-learning losses mine pairs and triplets within the batch they are given: under a
distribution strategy, each replica's own batch."""

from kerasdl.addons.losses.contrastive import ContrastiveLoss, contrastive_loss
from kerasdl.addons.losses.focal_loss import SigmoidFocalCrossEntropy, sigmoid_focal_crossentropy
from kerasdl.addons.losses.giou_loss import GIoULoss, giou_loss
from kerasdl.addons.losses.kappa_loss import WeightedKappaLoss
from kerasdl.addons.losses.lifted import LiftedStructLoss, lifted_struct_loss
from kerasdl.addons.losses.npairs import (
    NpairsLoss,
    NpairsMultilabelLoss,
    npairs_loss,
    npairs_multilabel_loss,
)
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
    "LiftedStructLoss",
    "NpairsLoss",
    "NpairsMultilabelLoss",
    "PinballLoss",
    "SigmoidFocalCrossEntropy",
    "SparsemaxLoss",
    "TripletHardLoss",
    "TripletSemiHardLoss",
    "WeightedKappaLoss",
    "contrastive_loss",
    "giou_loss",
    "lifted_struct_loss",
    "npairs_loss",
    "npairs_multilabel_loss",
    "pinball_loss",
    "sigmoid_focal_crossentropy",
    "sparsemax_loss",
    "triplet_hard_loss",
    "triplet_semihard_loss",
]
