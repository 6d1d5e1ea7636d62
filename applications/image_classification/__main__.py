"""Image classification: `python -m applications.image_classification [flags]`.

The recipe: load images (the embedded 8x8 digits by default, or `--data_file` .npz),
carve a validation split, learn normalization statistics from the training images
(they travel inside the model), build the model, compile, fit with backup/checkpoint/
TensorBoard callbacks, evaluate on the test split, write `metrics.json`, and export a
SavedModel whose `serving_default` takes uint8 images of any size.
"""

import math
import os

import keras
import numpy as np
from absl import flags

from kerasdl import models, trainer
from kerasdl.data import sources
from kerasdl.export import export_saved_model, image_classifier_serving

TASK = "image_classification"
trainer.define_common_flags(task=TASK, epochs=30, batch_size=64, learning_rate=2e-3)
flags.DEFINE_string(
    "data_file", None, ".npz with x_train, y_train, x_test, y_test; default: digits."
)
flags.DEFINE_string("model", "simple_cnn", "Model builder: simple_cnn.")
flags.DEFINE_float("validation_fraction", 0.1, "Share of training data held out for validation.")
FLAGS = flags.FLAGS

MODELS = {"simple_cnn": models.simple_cnn}


def main(argv):
    strategy = trainer.configure(FLAGS)
    if FLAGS.model not in MODELS:
        raise trainer.InputError(
            "--model", f"unknown model {FLAGS.model!r}; choose {', '.join(MODELS)}"
        )
    model_dir = trainer.prepare_model_dir(FLAGS.model_dir)
    export_dir = trainer.resolve_export_dir(FLAGS.export_dir, model_dir)

    # Data.
    data = sources.load_npz(FLAGS.data_file) if FLAGS.data_file else sources.load_digits()
    data = sources.with_validation_split(data, FLAGS.validation_fraction, seed=FLAGS.seed)
    train = sources.image_dataset(data.x_train, data.y_train, FLAGS.batch_size, FLAGS.seed)
    valid = sources.image_dataset(data.x_valid, data.y_valid, FLAGS.batch_size)
    test = sources.image_dataset(data.x_test, data.y_test, FLAGS.batch_size)
    steps_per_epoch = math.ceil(len(data.x_train) / FLAGS.batch_size)

    # Model, optimizer, schedule.
    with strategy.scope():
        normalizer = keras.layers.Normalization(axis=-1, name="normalize")
        normalizer.adapt(data.x_train.astype(np.float32))
        model = MODELS[FLAGS.model](data.image_shape, data.num_classes, normalizer=normalizer)
        schedule = trainer.learning_rate_schedule(
            FLAGS.schedule, FLAGS.learning_rate, steps_per_epoch, FLAGS.epochs, FLAGS.warmup_epochs
        )
        model.compile(
            optimizer=trainer.make_optimizer(FLAGS.optimizer, schedule),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=["accuracy"],
            jit_compile=FLAGS.jit_compile,
        )

    # Train, evaluate, export.
    callbacks = trainer.standard_callbacks(model_dir, FLAGS.early_stopping_patience)
    with trainer.Stopwatch() as clock:
        history = model.fit(
            train,
            validation_data=valid,
            epochs=FLAGS.epochs,
            callbacks=callbacks,
            shuffle=False,  # the dataset reshuffles itself every epoch, from --seed
            verbose=trainer.progress_verbosity(),
        )
    test_metrics = model.evaluate(test, return_dict=True, verbose=0)
    valid_metrics = model.evaluate(valid, return_dict=True, verbose=0)
    model.save(os.path.join(model_dir, "model.keras"))
    export_saved_model(
        export_dir, model, {"serving_default": image_classifier_serving(model, data.class_names)}
    )
    epochs_run = len(history.epoch)
    metrics = trainer.write_metrics(
        model_dir,
        TASK,
        test_metrics,
        valid=valid_metrics,
        dataset=FLAGS.data_file or "digits (scikit-learn, 8x8)",
        model=FLAGS.model,
        class_names=data.class_names,
        train_examples=len(data.x_train),
        epochs=FLAGS.epochs,
        epochs_run_this_process=epochs_run,
        train_seconds=clock.seconds,
        seconds_per_epoch=clock.seconds / max(1, epochs_run),
        export_dir=export_dir,
    )
    trainer.finish(model_dir)
    print(f"test accuracy {metrics['test']['accuracy']:.4f}; exported to {export_dir}")


if __name__ == "__main__":
    trainer.run(main)
