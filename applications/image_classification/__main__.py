"""Image classification: `python -m applications.image_classification [flags]`.

The recipe: load images (the embedded 8x8 digits by default; `--data_file` .npz,
`--data_dir` class folders, or `--dataset` TFDS name), carve a validation split, learn
normalization statistics from the training images (they travel inside the model), build
the model, compile, fit with augmentation and backup/checkpoint/TensorBoard callbacks,
evaluate on the test split, write `metrics.json` and a per-class report with a confusion
matrix, and export a SavedModel whose `serving_default` takes uint8 images of any size.

Flags left unset take the dataset's recipe below (explicit flags always win).
"""

import math
import os

import keras
import numpy as np
from absl import flags

import kerasdl
from kerasdl import models, optimizers, reports, trainer
from kerasdl.data import sources
from kerasdl.data.image import Augmenter
from kerasdl.export import export_saved_model, image_classifier_serving
from kerasdl.faults import kill_point

TASK = "image_classification"

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

trainer.define_common_flags(task=TASK, epochs=30, batch_size=64, learning_rate=2e-3)
flags.DEFINE_string("dataset", None, "Built-in (digits) or TFDS name (mnist, cifar10, ...).")
flags.DEFINE_string("tfds_data_dir", None, "TFDS data folder (default: TFDS's own).")
flags.DEFINE_string("data_file", None, ".npz with x_train, y_train, x_test, y_test.")
flags.DEFINE_string("data_dir", None, "One sub-folder of images per class (or train/, test/).")
flags.DEFINE_list("image_size", None, "HEIGHT,WIDTH to resize --data_dir images to.")
flags.DEFINE_string(
    "recipe",
    "auto",
    f"Defaults for unset flags: {', '.join(RECIPES)}, or auto (a --dataset's own, else default).",
)
flags.DEFINE_string("model", "simple_cnn", "simple_cnn, resnet, mobilenet or row_rnn.")
flags.DEFINE_integer("depth", 20, "ResNet depth: 20, 32, 44, 56, 110 (CIFAR) or 18, 34, 50.")
flags.DEFINE_integer("version", 1, "ResNet/MobileNet version: 1 or 2.")
flags.DEFINE_float("width", 1.0, "Width multiplier of every layer's filters.")
flags.DEFINE_bool("squeeze_excite", False, "MobileNet v2: squeeze-and-excitation blocks.")
flags.DEFINE_string("rnn_cell", "lstm", "row_rnn cell: lstm or gru.")
flags.DEFINE_string("augment", "none", "Augmentation recipe or spec, e.g. cifar, 'crop:4,flip'.")
flags.DEFINE_float("label_smoothing", 0.0, "Label smoothing of the cross-entropy.")
flags.DEFINE_float("weight_decay", 0.0, "L2 weight decay: each step adds wd*w to the gradient.")
flags.DEFINE_float("momentum", 0.9, "Momentum, for optimizers that take one (sgd, rmsprop).")
flags.DEFINE_float("sam", 0.0, "Sharpness-aware minimization radius rho; 0 turns SAM off.")
flags.DEFINE_float("validation_fraction", 0.1, "Share of training data held out for validation.")
FLAGS = flags.FLAGS


def build_model(shape, num_classes, normalizer):
    # Keras' L2(l) adds l*sum(w^2), whose gradient is 2*l*w: halve it so --weight_decay
    # means what SGD weight decay means in the papers (gradient += wd * w).
    l2 = FLAGS.weight_decay / 2
    if FLAGS.model == "simple_cnn":
        return models.simple_cnn(
            shape, num_classes, width=FLAGS.width, weight_decay=l2, normalizer=normalizer
        )
    if FLAGS.model == "resnet":
        return models.resnet(
            shape, num_classes, FLAGS.depth, FLAGS.version, FLAGS.width, l2, normalizer=normalizer
        )
    if FLAGS.model == "mobilenet":
        return models.mobilenet(
            shape,
            num_classes,
            version=FLAGS.version,
            width_multiplier=FLAGS.width,
            squeeze_excite=FLAGS.squeeze_excite,
            weight_decay=l2,
            normalizer=normalizer,
        )
    if FLAGS.model == "row_rnn":
        return models.row_rnn(shape, num_classes, cell=FLAGS.rnn_cell, normalizer=normalizer)
    raise trainer.InputError(
        "--model", f"unknown model {FLAGS.model!r}; choose simple_cnn, resnet, mobilenet, row_rnn"
    )


def load_data() -> sources.ImageData:
    given = [name for name in ("dataset", "data_file", "data_dir") if FLAGS[name].value]
    if len(given) > 1:
        raise trainer.InputError(f"--{given[1]}", f"give only one of --{' --'.join(given)}")
    if FLAGS.data_file:
        return sources.load_npz(FLAGS.data_file)
    if FLAGS.data_dir:
        size = None
        if FLAGS.image_size:
            if len(FLAGS.image_size) != 2 or not all(
                v.isdigit() and int(v) for v in FLAGS.image_size
            ):
                raise trainer.InputError("--image_size", "expected HEIGHT,WIDTH positive integers")
            size = tuple(int(v) for v in FLAGS.image_size)
        return sources.load_image_folder(FLAGS.data_dir, size, seed=FLAGS.seed)
    return sources.load_dataset(FLAGS.dataset or "digits", FLAGS.tfds_data_dir)


def choose_recipe(requested: str, dataset: str | None) -> tuple[str, str]:
    """The recipe whose defaults fill unset flags, and why it was chosen (for metrics.json).

    `dataset` is the name of a built-in or TFDS dataset, None for files. Only what names
    the data chooses a content-specific recipe: `--recipe` itself, or a dataset listed in
    `RECIPE_BY_DATASET`. Everything else gets "default".
    """
    if requested != "auto":
        if requested not in RECIPES:
            raise trainer.InputError(
                "--recipe", f"unknown recipe {requested!r}; choose auto, {', '.join(RECIPES)}"
            )
        return requested, f"--recipe={requested} was given"
    if dataset in RECIPE_BY_DATASET:
        return RECIPE_BY_DATASET[dataset], f"the data is the {dataset} dataset"
    unknown = f"the {dataset} dataset has no recipe" if dataset else "the data is not named"
    return "default", (
        f"{unknown}, so nothing is assumed about its content: no augmentation; "
        "--recipe or --augment choose content-specific augmentation"
    )


def main(argv):
    strategy = trainer.get_strategy(FLAGS.strategy)
    named = FLAGS.dataset or (None if FLAGS.data_file or FLAGS.data_dir else "digits")
    recipe, recipe_reason = choose_recipe(FLAGS.recipe, named)
    data = load_data()
    print(f"recipe: {recipe} ({recipe_reason})")
    trainer.apply_defaults(FLAGS, RECIPES[recipe])
    trainer.configure(FLAGS, strategy)
    model_dir = trainer.prepare_model_dir(trainer.worker_model_dir(strategy, FLAGS.model_dir))
    chief = trainer.is_chief(strategy)
    export_dir = trainer.resolve_export_dir(FLAGS.export_dir if chief else None, model_dir)
    if not 0 <= FLAGS.label_smoothing < 1:
        raise trainer.InputError(
            "--label_smoothing", f"must be in [0, 1), got {FLAGS.label_smoothing}"
        )
    if FLAGS.weight_decay < 0 or FLAGS.sam < 0:
        raise trainer.InputError(
            "--weight_decay" if FLAGS.weight_decay < 0 else "--sam", "must be >= 0"
        )

    # Data: a held-out validation split; augmentation on training batches only.
    data = sources.with_validation_split(data, FLAGS.validation_fraction, seed=FLAGS.seed)
    try:
        augmenter = Augmenter(FLAGS.augment, seed=FLAGS.seed, num_classes=data.num_classes)
    except ValueError as error:
        raise trainer.InputError("--augment", str(error)) from None
    one_hot = augmenter.mixes  # mixup/cutmix give soft labels: train on one-hot everywhere
    labels = (lambda y: np.eye(data.num_classes, dtype=np.float32)[y]) if one_hot else (lambda y: y)
    shuffle = sources.EpochShuffle(FLAGS.seed)
    train = sources.image_dataset(data.x_train, labels(data.y_train), FLAGS.batch_size, shuffle)
    train = augmenter.apply(train) if augmenter.steps else train
    valid = sources.image_dataset(data.x_valid, labels(data.y_valid), FLAGS.batch_size)
    test = sources.image_dataset(data.x_test, labels(data.y_test), FLAGS.batch_size)
    steps_per_epoch = math.ceil(len(data.x_train) / FLAGS.batch_size)

    # Model, loss, optimizer, schedule.
    with strategy.scope():
        normalizer = keras.layers.Normalization(axis=-1, name="normalize")
        normalizer.adapt(data.x_train.astype(np.float32))
        model = build_model(data.image_shape, data.num_classes, normalizer)
        trained = optimizers.SAM(model, rho=FLAGS.sam) if FLAGS.sam else model
        if one_hot:
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=FLAGS.label_smoothing)
        else:
            loss = kerasdl.losses.SparseCategoricalCrossentropy(
                label_smoothing=FLAGS.label_smoothing
            )
        schedule = trainer.learning_rate_schedule(
            FLAGS.schedule, FLAGS.learning_rate, steps_per_epoch, FLAGS.epochs, FLAGS.warmup_epochs
        )
        trained.compile(
            optimizer=trainer.make_optimizer(
                FLAGS.optimizer, schedule, momentum=FLAGS.momentum, ema=FLAGS.ema
            ),
            loss=loss,
            metrics=["accuracy"],
            jit_compile=FLAGS.jit_compile,
        )

    # Train.
    callbacks = trainer.standard_callbacks(model_dir, FLAGS.early_stopping_patience)
    callbacks.append(trainer.SetEpoch(shuffle, augmenter))
    with trainer.Stopwatch() as clock:
        history = trained.fit(
            train,
            validation_data=valid,
            epochs=FLAGS.epochs,
            callbacks=callbacks,
            shuffle=False,  # the dataset reshuffles itself every epoch, from --seed
            verbose=trainer.progress_verbosity(),
        )

    # Evaluate, report, export.
    kill_point("evaluate")
    test_metrics = trained.evaluate(test, return_dict=True, verbose=0)
    valid_metrics = trained.evaluate(valid, return_dict=True, verbose=0)
    predictions = model.predict(test, verbose=0).argmax(-1)
    report = reports.write_classification_report(
        model_dir, data.y_test, predictions, data.class_names
    )
    model.save(os.path.join(model_dir, "model.keras"))
    export_saved_model(
        export_dir, model, {"serving_default": image_classifier_serving(model, data.class_names)}
    )
    kill_point("metrics")
    epochs_run = len(history.epoch)
    metrics = trainer.write_metrics(
        model_dir,
        TASK,
        {
            **test_metrics,
            "macro_precision": report["macro_precision"],
            "macro_recall": report["macro_recall"],
        },
        valid=valid_metrics,
        dataset=FLAGS.data_file or FLAGS.data_dir or FLAGS.dataset or "digits",
        recipe=recipe,
        recipe_reason=recipe_reason,
        augment=augmenter.spec or "none",
        model=model.name,
        parameters=model.count_params(),
        class_names=data.class_names,
        train_examples=len(data.x_train),
        epochs=FLAGS.epochs,
        epochs_run_this_process=epochs_run,
        train_seconds=clock.seconds,
        seconds_per_epoch=clock.seconds / max(1, epochs_run),
        export_dir=export_dir,
        flags=trainer.flag_dict(FLAGS),
    )
    trainer.finish(model_dir)
    print(f"test accuracy {metrics['test']['accuracy']:.4f}; exported to {export_dir}")


if __name__ == "__main__":
    trainer.run(main)
