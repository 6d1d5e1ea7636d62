"""Image classification: `python -m applications.image_classification [flags]`.

The recipe: load images (the embedded 8x8 digits by default; `--data_file` .npz,
`--data_dir` class folders, or `--dataset` TFDS name), carve a validation split, learn
normalization statistics from the training images (they travel inside the model), build
the model, compile, fit with augmentation and backup/checkpoint/TensorBoard callbacks,
evaluate on the test split, write `metrics.json` and a per-class report with a confusion
matrix, and export a SavedModel whose `serving_default` takes uint8 images of any size.

Flags left unset take the data's recipe (`recipes.py`; explicit flags always win).
"""

import numpy as np
from absl import flags

from applications.image_classification import recipes
from kerasdl import optimizers, trainer
from kerasdl.data import images, splits
from kerasdl.data.augmentation import Augmenter
from kerasdl.data.epochs import EpochShuffle
from kerasdl.experiment import Experiment
from kerasdl.export import image_classifier_serving

TASK = "image_classification"
hp = recipes.DEFAULTS
trainer.define_common_flags(task=TASK, defaults=recipes.DEFAULTS)
trainer.define_dataset_flags("digits (built in), mnist, cifar10, ...")
flags.DEFINE_string("data_file", None, ".npz with x_train, y_train, x_test, y_test.")
flags.DEFINE_string("data_dir", None, "One sub-folder of images per class (or train/, test/).")
flags.DEFINE_list("image_size", None, "HEIGHT,WIDTH to resize --data_dir images to.")
flags.DEFINE_string(
    "recipe", "auto", f"Defaults: {', '.join(recipes.RECIPES)}, or auto (a --dataset's own)."
)
trainer.define_model_flag(recipes.MODELS, "The classifier.")
trainer.define_rnn_cell_flag()
trainer.define_label_smoothing_flag()
flags.DEFINE_integer(
    "depth", hp["depth"], "ResNet depth: 20, 32, 44, 56, 110 (CIFAR) or 18, 34, 50."
)
flags.DEFINE_integer("version", hp["version"], "ResNet/MobileNet version: 1 or 2.")
flags.DEFINE_float("width", hp["width"], "Width multiplier of every layer's filters.")
flags.DEFINE_bool("squeeze_excite", hp["squeeze_excite"], "MobileNet v2: squeeze-and-excitation.")
flags.DEFINE_string("augment", hp["augment"], "Augmentation recipe or spec, e.g. 'crop:4,flip'.")
flags.DEFINE_float("weight_decay", hp["weight_decay"], "Each step adds wd*w to the gradient.")
flags.DEFINE_float("momentum", hp["momentum"], "Momentum of optimizers that take one (sgd).")
flags.DEFINE_float("sam", 0.0, "Sharpness-aware minimization radius rho; 0 turns SAM off.")
FLAGS = flags.FLAGS


def main(argv):
    recipe, reason = choose_recipe()
    print(f"recipe: {recipe} ({reason})")
    trainer.apply_defaults(FLAGS, recipes.RECIPES[recipe])
    run = Experiment(TASK)
    for name in ("weight_decay", "sam"):
        if FLAGS[name].value < 0:
            raise trainer.InputError(f"--{name}", f"must be >= 0, got {FLAGS[name].value}")

    # Data: a held-out validation split; augmentation on training batches only.
    data = splits.with_validation_split(load_data(), FLAGS.validation_fraction, FLAGS.seed)
    try:
        augmenter = Augmenter(FLAGS.augment, seed=FLAGS.seed, num_classes=data.num_classes)
    except ValueError as error:
        raise trainer.InputError("--augment", str(error)) from None
    one_hot = augmenter.mixes  # mixup/cutmix give soft labels: train on one-hot everywhere
    labels = (lambda y: np.eye(data.num_classes, dtype=np.float32)[y]) if one_hot else (lambda y: y)
    shuffle = EpochShuffle(FLAGS.seed)
    train = images.image_dataset(data.x_train, labels(data.y_train), FLAGS.batch_size, shuffle)
    train, steps_per_epoch = run.count_batches(train)
    train = augmenter.apply(train) if augmenter.steps else train
    valid = images.image_dataset(data.x_valid, labels(data.y_valid), FLAGS.batch_size)
    test = images.image_dataset(data.x_test, labels(data.y_test), FLAGS.batch_size)

    # Model (normalisation statistics inside it), loss, optimizer, schedule; train.
    with run.scope():
        normalizer = recipes.adapted_normalizer(data.x_train)
        model = recipes.build_model(FLAGS, data.image_shape, data.num_classes, normalizer)
        trained = optimizers.SAM(model, rho=FLAGS.sam) if FLAGS.sam else model
    loss = recipes.loss(FLAGS, one_hot)
    run.compile(
        trained,
        loss=loss,
        metrics=["accuracy"],
        steps_per_epoch=steps_per_epoch,
        momentum=FLAGS.momentum,
    )
    run.fit(trained, train, valid, epoch_keyed=[shuffle, augmenter])

    # Evaluate, report, export.
    test_metrics = run.evaluate_classifier(trained, test, data.y_test, data.class_names)
    serving = image_classifier_serving(model, data.class_names)
    run.save_and_export(model, {"serving_default": serving})
    metrics = run.finish(
        test_metrics,
        valid=trained.evaluate(valid, return_dict=True, verbose=0),
        dataset=FLAGS.data_file or FLAGS.data_dir or FLAGS.dataset or "digits",
        recipe=recipe,
        recipe_reason=reason,
        augment=augmenter.spec or "none",
        model=model.name,
        parameters=model.count_params(),
        class_names=data.class_names,
        train_examples=len(data.x_train),
    )
    print(f"test accuracy {metrics['test']['accuracy']:.4f}; exported to {run.export_dir}")


def choose_recipe() -> tuple[str, str]:
    """`recipes.choose_recipe` for `--recipe` and the data's name (None for files)."""
    named = FLAGS.dataset or (None if FLAGS.data_file or FLAGS.data_dir else "digits")
    try:
        return recipes.choose_recipe(FLAGS.recipe, named)
    except ValueError as error:
        raise trainer.InputError("--recipe", str(error)) from None


def load_data() -> images.ImageData:
    """The images of `--data_file`, `--data_dir` or `--dataset` (default: digits)."""
    given = [name for name in ("dataset", "data_file", "data_dir") if FLAGS[name].value]
    if len(given) > 1:
        raise trainer.InputError(f"--{given[1]}", f"give only one of --{' --'.join(given)}")
    if FLAGS.data_file:
        return images.load_npz(FLAGS.data_file)
    if FLAGS.data_dir:
        size = None
        if FLAGS.image_size:
            if len(FLAGS.image_size) != 2 or not all(
                v.isdigit() and int(v) for v in FLAGS.image_size
            ):
                raise trainer.InputError("--image_size", "expected HEIGHT,WIDTH positive integers")
            size = tuple(int(v) for v in FLAGS.image_size)
        return images.load_image_folder(FLAGS.data_dir, size, seed=FLAGS.seed)
    return images.load_dataset(FLAGS.dataset or "digits", FLAGS.tfds_data_dir)


if __name__ == "__main__":
    trainer.run(main)
