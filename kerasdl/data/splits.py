"""Validation and cross-validation splits, seeded, stratified by label where possible.

- `split_indices(count, held, seed, labels)`: the one rule for which examples are held out.
- `holdout(examples, fraction, seed)`: `(train, valid)` of any examples container with
  `__len__` and `subset(indices)` (texts, tagged sentences).
- `kfold(examples, folds, seed)`: the `(train, test)` pairs of k-fold cross-validation
  (the MR and Subj protocol of Kim 2014).
- `split_arrays` and `with_validation_split`: the same for image arrays and `ImageData`.

Library code checks values, not flags: a fraction outside (0, 1) is a `ValueError`
(the trainers check their flags before calling here); data too small to split is an
`InputError` naming its source.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from kerasdl.data.errors import InputError

if TYPE_CHECKING:
    from kerasdl.data.images import ImageData


def _check_fraction(fraction: float) -> None:
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")


def split_indices(count: int, held: int, seed: int, labels=None):
    """`(kept, held_out)` indices of `count` examples, `held` of them held out, seeded.

    Stratified by `labels` (every class in both parts, in proportion) where that is
    possible: each class has two examples or more and both parts have room for one of each
    class. Otherwise (no labels, tiny data, many classes) uniform at random, so a class may
    be missing from one part.

    Example:

    ```python
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    kept, held_out = kerasdl.data.splits.split_indices(8, 2, seed=0, labels=labels)
    sorted(labels[held_out])  # [0, 1]: one of each class
    ```
    """
    from sklearn.model_selection import train_test_split

    stratify = None
    if labels is not None and len(labels):
        counts = np.unique(np.asarray(labels), return_counts=True)[1]
        if counts.min() >= 2 and min(held, count - held) >= len(counts):
            stratify = labels
    return train_test_split(np.arange(count), test_size=held, random_state=seed, stratify=stratify)


def holdout(examples, fraction: float = 0.1, seed: int = 0):
    """`(train, valid)`: a seeded `fraction` of `examples` held out for validation (early
    stopping) when there is no validation file; both keep the original order.

    `examples` is any container with `__len__` and `subset(indices)`. One with a `labels`
    attribute (text-classification examples) is split by `split_indices`, stratified by
    label where possible; one without (tagged sentences) by a uniform permutation seeded
    with `seed`. At least one example is held out and at least one kept, so tiny files
    work; a file of one example cannot spare it, and is returned as both `train` and
    `valid` (validation then measures the training example).

    Example:

    ```python
    from kerasdl.data import splits, text

    examples = text.TextExamples(["good", "fine", "bad", "poor"], ["+", "+", "-", "-"], "toy")
    train, valid = splits.holdout(examples, fraction=0.5, seed=0)
    len(train), len(valid)  # (2, 2), each with one "+" and one "-"
    ```
    """
    _check_fraction(fraction)
    count = len(examples)
    if count < 2:
        return examples, examples
    held = min(max(1, int(round(count * fraction))), count - 1)
    if hasattr(examples, "labels"):
        kept, held_out = split_indices(count, held, seed, examples.labels)
    else:
        order = np.random.default_rng(seed).permutation(count)
        kept, held_out = order[held:], order[:held]
    return examples.subset(np.sort(kept)), examples.subset(np.sort(held_out))


def kfold(examples, folds: int = 10, seed: int = 0, stratified: bool = True) -> Iterator[tuple]:
    """`(train, test)` pairs of k-fold cross-validation of `examples` (a container with
    `__len__`, `subset(indices)`, `labels` and `source`).

    Every example is in exactly one test fold; folds differ in size by at most one.
    `stratified` keeps each fold's label proportions (scikit-learn's StratifiedKFold,
    shuffled with `seed`); classes smaller than `folds` fall back to plain KFold.
    Raises `InputError` naming the source when there are fewer examples than folds.

    Example:

    ```python
    from kerasdl.data import splits, text

    examples = text.TextExamples([f"text {i}" for i in range(6)], ["a", "b"] * 3, "toy")
    for train, test in splits.kfold(examples, folds=3, seed=0):
        print(len(train), len(test))  # 4 2, three times
    ```
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if folds < 2 or folds > len(examples):
        raise InputError(
            examples.source,
            f"k-fold cross-validation needs between 2 and {len(examples)} folds "
            f"(one example per fold at least), got {folds}",
        )
    labels = np.array(examples.labels if examples.labels is not None else [""] * len(examples))
    if stratified and min(collections.Counter(labels.tolist()).values()) >= folds:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(np.zeros(len(labels)), labels):
        yield examples.subset(train_index), examples.subset(test_index)


def split_arrays(images, labels, fraction: float, seed: int, source: str):
    """Holds out ``ceil(fraction * N)`` examples (`split_indices`):
    `(x_kept, x_held, y_kept, y_held)`. Raises `InputError` naming `source` when nothing
    would be kept.

    Example:

    ```python
    images, labels = np.zeros((10, 4, 4, 1)), np.arange(10) % 2
    x_kept, x_held, y_kept, y_held = kerasdl.data.splits.split_arrays(
        images, labels, fraction=0.2, seed=0, source="toy"
    )
    x_kept.shape, x_held.shape  # (8, 4, 4, 1), (2, 4, 4, 1)
    ```
    """
    held = math.ceil(fraction * len(labels))
    if len(labels) - held < 1:
        raise InputError(
            source, f"{len(labels)} example(s) are too few to hold out {fraction:.0%} of them"
        )
    kept, held_out = split_indices(len(labels), held, seed, labels)
    return images[kept], images[held_out], labels[kept], labels[held_out]


def with_validation_split(data: ImageData, fraction: float, seed: int) -> ImageData:
    """Carves a validation split from the training images when there is none
    (`split_arrays`); `InputError` when the training data is too small to spare it.

    Example:

    ```python
    from kerasdl.data import images, splits

    data = images.ImageData(
        np.zeros((10, 4, 4, 1), "uint8"), np.arange(10) % 2,
        np.zeros((2, 4, 4, 1), "uint8"), np.array([0, 1]), ["even", "odd"],
    )
    data = splits.with_validation_split(data, fraction=0.2, seed=0)
    len(data.x_train), len(data.x_valid)  # (8, 2)
    ```
    """
    if data.x_valid is not None:
        return data
    _check_fraction(fraction)
    x_train, x_valid, y_train, y_valid = split_arrays(
        data.x_train, data.y_train, fraction, seed, "training data"
    )
    return dataclasses.replace(
        data, x_train=x_train, y_train=y_train, x_valid=x_valid, y_valid=y_valid
    )
