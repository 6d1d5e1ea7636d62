"""Writes tests/data/addons_loss_goldens.npz: tfa 0.23 losses on random inputs, which
kerasdl.addons.losses must match (tests/test_addons_losses.py).

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_loss_goldens.py
Keys are `<loss>/<case>/<array>`; inputs are stored beside the outputs.
"""

import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

rng = np.random.RandomState(20)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


# Metric learning: 12 embeddings in 4 classes, one class of a single example (no positive).
labels = np.array([0, 0, 1, 1, 1, 2, 2, 3, 0, 2, 1, 0], "int32")
embeddings = rng.normal(size=(12, 5)).astype("float32")
embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
put("metric_learning.inputs/random", labels=labels, embeddings=embeddings)
for metric in ("L2", "squared-L2", "angular"):
    for margin in (1.0, 0.3):
        y = tfa.losses.triplet_semihard_loss(labels, embeddings, margin, metric)
        put(f"triplet_semihard_loss/{metric}_{margin}", y=y.numpy())
        for soft in (False, True):
            y = tfa.losses.triplet_hard_loss(labels, embeddings, margin, soft, metric)
            put(f"triplet_hard_loss/{metric}_{margin}_{soft}", y=y.numpy())

# Contrastive: distances and binary labels.
distances = rng.uniform(0, 2, 10).astype("float32")
pair_labels = rng.randint(0, 2, 10)
for margin in (1.0, 1.5):
    y = tfa.losses.contrastive_loss(pair_labels, distances, margin)
    put(f"contrastive_loss/{margin}", labels=pair_labels, distances=distances, y=y.numpy())

# Pinball: scalar and per-output tau.
targets = rng.normal(size=(6, 4)).astype("float32")
predictions = rng.normal(size=(6, 4)).astype("float32")
put("pinball_loss.inputs/random", y_true=targets, y_pred=predictions)
for tau in (0.1, 0.5, 0.9):
    put(f"pinball_loss/{tau}", y=tfa.losses.pinball_loss(targets, predictions, tau).numpy())
taus = np.array([0.1, 0.3, 0.7, 0.95], "float32")
put("pinball_loss/vector", tau=taus, y=tfa.losses.pinball_loss(targets, predictions, taus).numpy())

# GIoU: random yxyx boxes, some disjoint, some degenerate.
corners = rng.uniform(0, 10, (2, 8, 2)).astype("float32")
sizes = rng.uniform(0, 4, (2, 8, 2)).astype("float32")
sizes[0, 3] = 0.0
boxes = np.concatenate([corners, corners + sizes], axis=-1)
for mode in ("giou", "iou"):
    y = tfa.losses.giou_loss(boxes[0], boxes[1], mode)
    put(f"giou_loss/{mode}", y_true=boxes[0], y_pred=boxes[1], y=y.numpy())

# Sparsemax: logits with ties and -inf, one-hot and multi-label targets.
logits = rng.normal(size=(6, 5)).astype("float32")
logits[1, 2] = logits[1, 4] = 1.5
logits[3, 0] = -np.inf
one_hot = np.eye(5, dtype="float32")[rng.randint(1, 5, 6)]
multi = np.zeros((6, 5), "float32")
multi[:, 1] = multi[:, 3] = 0.5
for name, target in (("one_hot", one_hot), ("multi_label", multi)):
    p = tfa.activations.sparsemax(logits).numpy()
    y = tfa.losses.sparsemax_loss(logits, p, target)
    z = tfa.losses.SparsemaxLoss()(target, logits)
    put(f"sparsemax_loss/{name}", logits=logits, labels=target, y=y.numpy(), reduced=z.numpy())

# Lifted structured: the metric-learning inputs, unnormalized.
for margin in (1.0, 0.5):
    y = tfa.losses.lifted_struct_loss(labels, 2.0 * embeddings, margin)
    put(f"lifted_struct_loss/{margin}", y=y.numpy())

# N-pairs: a similarity matrix, class labels and multi-label indicators.
similarities = rng.normal(size=(8, 8)).astype("float32")
pair_classes = np.array([0, 1, 2, 1, 3, 0, 2, 4])
indicators = rng.randint(0, 2, (8, 5))
indicators[np.arange(8), pair_classes] = 1
put("npairs_loss/random", labels=pair_classes, similarities=similarities)
put("npairs_loss/random", y=tfa.losses.npairs_loss(pair_classes, similarities).numpy())
y = tfa.losses.npairs_multilabel_loss(indicators, similarities)
put("npairs_multilabel_loss/random", labels=indicators, y=y.numpy())

# Weighted kappa: one-hot labels and softmax outputs over 5 ordinal classes.
kappa_true = np.eye(5, dtype="float32")[rng.randint(0, 5, 16)]
kappa_pred = rng.dirichlet(np.ones(5), 16).astype("float32")
put("WeightedKappaLoss.inputs/random", y_true=kappa_true, y_pred=kappa_pred)
for weightage in ("linear", "quadratic"):
    y = tfa.losses.WeightedKappaLoss(5, weightage)(kappa_true, kappa_pred)
    put(f"WeightedKappaLoss/{weightage}", y=y.numpy())

path = pathlib.Path(__file__).with_name("addons_loss_goldens.npz")
np.savez(path, **out)
print(f"wrote {len(out)} arrays to {path} (tf {tf.__version__}, tfa {tfa.__version__})")
