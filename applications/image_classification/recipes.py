"""The image classifier's recipes: defaults per kind of data, and the models they build.

The trainer (`python -m applications.image_classification`), the benchmarks and the
notebooks import these, so a recipe is written once.

Example:

```python
from applications.image_classification import recipes

name, why = recipes.choose_recipe("auto", "cifar10")      # ("cifar10", "the data is ...")
hp = recipes.hyperparameters(name)                        # He et al. 2016's settings
model = recipes.build_model(hp, (32, 32, 3), 10)
```
"""

from __future__ import annotations

import types

import keras
import numpy as np

import kerasdl
from kerasdl import models

MODELS = ("simple_cnn", "resnet", "mobilenet", "row_rnn")

# Every hyperparameter the trainer's flags set, at its flag default.
DEFAULTS = dict(
    model="simple_cnn",
    depth=20,
    version=1,
    width=1.0,
    squeeze_excite=False,
    rnn_cell="lstm",
    epochs=30,
    batch_size=64,
    optimizer="adam",
    learning_rate=2e-3,
    schedule="cosine",
    momentum=0.9,
    weight_decay=0.0,
    label_smoothing=0.0,
    augment="none",
)

# Recipes: the defaults for each kind of data, and what each assumes about the content.
# "default" assumes nothing: no augmentation, because a flip, a rotation, a zoom or even a
# shift can change what an image shows (a 6 turned is a 9, a mirrored arrow points the
# other way, a 1x1 "image" is a feature vector). It is the recipe of every dataset that is
# not named below, whatever its shape.
# "mnist" (handwritten digits, upright and centred): small shifts, rotations and zooms
# keep a digit's class; flips do not (a mirrored 2 or 7 is no digit).
# "cifar10" follows He et al. 2016 (sec. 4.2) for natural photographs: ResNet-20, SGD
# momentum 0.9, lr 0.1 divided by 10 at 50 % and 75 % of 64k iterations, weight decay
# 1e-4, batch 128, 4-pixel pad + random crop and horizontal flip.
RECIPES = {
    "default": dict(
        model="simple_cnn", epochs=30, batch_size=64, learning_rate=2e-3, augment="none"
    ),
    "mnist": dict(model="simple_cnn", epochs=15, batch_size=128, augment="mnist"),
    "cifar10": dict(
        model="resnet",
        depth=20,
        epochs=164,
        batch_size=128,
        optimizer="sgd",
        learning_rate=0.1,
        schedule="step",
        weight_decay=1e-4,
        augment="crop:4,flip",
    ),
}
# --recipe=auto: the recipe of a dataset named with --dataset; any other data gets
# "default". The shape never decides: a 28x28x1 .npz may hold digits, garments, letters
# or X-rays. (Fashion-MNIST keeps "default": over 5 epochs it reached 92.2 % test accuracy,
# "crop:2,flip" at batch 128 90.5 %, the digits recipe 89.2 %.)
RECIPE_BY_DATASET = {"mnist": "mnist", "cifar10": "cifar10", "cifar100": "cifar10"}


def choose_recipe(requested: str, dataset: str | None) -> tuple[str, str]:
    """The recipe whose defaults fill unset flags, and why it was chosen (for metrics.json).

    `dataset` is the name of a built-in or TFDS dataset, None for files. Only what names
    the data chooses a content-specific recipe: `requested` itself (`--recipe`), or a
    dataset listed in `RECIPE_BY_DATASET`. Everything else gets "default".

    Raises:
        ValueError: `requested` is neither "auto" nor a recipe.
    """
    if requested != "auto":
        if requested not in RECIPES:
            raise ValueError(f"unknown recipe {requested!r}; choose auto, {', '.join(RECIPES)}")
        return requested, f"--recipe={requested} was given"
    if dataset in RECIPE_BY_DATASET:
        return RECIPE_BY_DATASET[dataset], f"the data is the {dataset} dataset"
    unknown = f"the {dataset} dataset has no recipe" if dataset else "the data is not named"
    return "default", (
        f"{unknown}, so nothing is assumed about its content: no augmentation; "
        "--recipe or --augment choose content-specific augmentation"
    )


def hyperparameters(recipe: str = "default", **overrides) -> types.SimpleNamespace:
    """`DEFAULTS`, then `RECIPES[recipe]`, then `overrides`, as attributes (what the
    trainer's flags hold after a run's defaults are applied)."""
    return types.SimpleNamespace(**{**DEFAULTS, **RECIPES[recipe], **overrides})


def adapted_normalizer(images: np.ndarray) -> keras.layers.Normalization:
    """Per-channel standardisation learnt from `images`; it travels inside the model."""
    normalizer = keras.layers.Normalization(axis=-1, name="normalize")
    normalizer.adapt(images.astype(np.float32))
    return normalizer


def build_model(hp, shape, num_classes: int, normalizer=None) -> keras.Model:
    """`hp.model` for images of `shape`. `hp.weight_decay` is a gradient decay (each step
    adds wd·w to the gradient, as in the papers); the builders take the L2 coefficient,
    half of it (Keras' L2(l) adds l·Σw², whose gradient is 2·l·w)."""
    l2 = hp.weight_decay / 2
    if hp.model == "simple_cnn":
        return models.simple_cnn(shape, num_classes, width=hp.width, l2=l2, normalizer=normalizer)
    if hp.model == "resnet":
        return models.resnet(
            shape, num_classes, hp.depth, hp.version, hp.width, l2=l2, normalizer=normalizer
        )
    if hp.model == "mobilenet":
        return models.mobilenet(
            shape,
            num_classes,
            version=hp.version,
            width_multiplier=hp.width,
            squeeze_excite=hp.squeeze_excite,
            l2=l2,
            normalizer=normalizer,
        )
    if hp.model == "row_rnn":
        return models.row_rnn(shape, num_classes, cell=hp.rnn_cell, normalizer=normalizer)
    raise ValueError(f"unknown model {hp.model!r}; choose {', '.join(MODELS)}")


def loss(hp, one_hot: bool) -> keras.losses.Loss:
    """Cross-entropy with `hp.label_smoothing`; on one-hot labels when `one_hot` (mixup and
    cutmix give soft labels), else on class ids."""
    if one_hot:
        return keras.losses.CategoricalCrossentropy(label_smoothing=hp.label_smoothing)
    return kerasdl.losses.SparseCategoricalCrossentropy(label_smoothing=hp.label_smoothing)
