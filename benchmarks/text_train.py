"""Time to accuracy on MR: kerasdl's TextCNN recipe beside Kim's recipe in plain Keras 3.

Reference (Kim 2014, CNN-rand, as a plain Keras 3 user writes it): TextVectorization
padding every text to the longest one, 300-d random embeddings, Conv1D widths 3/4/5 x 100
+ global max pooling, dropout 0.5, softmax with max-norm 3, Adadelta (lr 1.0, rho 0.95),
batch 50, `--reference_epochs` (10) epochs on the whole training file.

kerasdl: `applications.text_classification`'s default recipe, built from the same
kerasdl parts the trainer uses (TextPreprocessor, bucketed `make_dataset`,
`models.textcnn`, Adam with a cosine schedule, label smoothing 0.1, 10 % held out for
picking the best epoch).

Both train in the same process, one after the other; test accuracy is measured after
every epoch outside the timed region. The figure of merit is the training time kerasdl
needs to reach the reference's final test accuracy, beside the reference's time.

    python benchmarks/text_train.py                          # full: about 10 min idle
    python benchmarks/text_train.py --reference_epochs=2 --max_train=2000   # smoke run
"""

import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from applications.text_classification import recipes  # noqa: E402
from kerasdl import trainer  # noqa: E402
from kerasdl.data import splits, text  # noqa: E402
from kerasdl.experiment import Experiment  # noqa: E402

flags.DEFINE_string("data", "../shared/data/mr", "Folder with train.tsv and test.tsv.")
flags.DEFINE_integer("reference_epochs", 10, "Epochs of the plain-Keras Kim recipe.")
flags.DEFINE_integer("kerasdl_epochs", 3, "Epochs of the kerasdl recipe (its default).")
flags.DEFINE_integer("max_train", 0, "Use only the first N training texts (smoke runs); 0: all.")
flags.DEFINE_integer("seed", 42, "Seed of both runs.")
flags.DEFINE_float(
    "target_accuracy", 0.771, "Also report the time to this accuracy (the issue's 77.1 %)."
)
flags.DEFINE_string("output", None, "Also write the results as JSON here.")
FLAGS = flags.FLAGS


class TestAccuracy(keras.callbacks.Callback):
    """Test accuracy after every epoch, with the training seconds spent so far (evaluation
    time excluded)."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset
        self.points: list[tuple[float, float]] = []  # (seconds, accuracy)

    def on_train_begin(self, logs=None):
        self.spent, self.started = 0.0, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.spent += time.perf_counter() - self.started
        accuracy = self.model.evaluate(self.dataset, verbose=0, return_dict=True)["accuracy"]
        self.points.append((self.spent, float(accuracy)))
        print(f"  epoch {epoch + 1}: {self.spent:6.1f} s, test accuracy {accuracy:.4f}")
        self.started = time.perf_counter()


def plain_keras_kim(train, test, labels):
    """Kim's CNN-rand recipe written with plain Keras 3 layers."""
    vectorizer = keras.layers.TextVectorization(output_mode="int")
    vectorizer.adapt(tf.constant(train.texts))
    longest = int(max(len(t.split()) for t in train.texts + test.texts))
    vectorizer = keras.layers.TextVectorization(
        output_mode="int", output_sequence_length=longest, vocabulary=vectorizer.get_vocabulary()
    )

    def dataset(examples, shuffle):
        ids = vectorizer(tf.constant(examples.texts))
        data = tf.data.Dataset.from_tensor_slices((ids, labels.encode(examples)))
        if shuffle:
            data = data.shuffle(len(examples), seed=FLAGS.seed)
        return data.batch(50).prefetch(tf.data.AUTOTUNE)

    token_ids = keras.Input(shape=(longest,), dtype="int64")
    x = keras.layers.Embedding(
        vectorizer.vocabulary_size(),
        300,
        embeddings_initializer=keras.initializers.RandomUniform(-0.25, 0.25),
    )(token_ids)
    pooled = [
        keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(100, width, activation="relu")(x))
        for width in (3, 4, 5)
    ]
    x = keras.layers.Dropout(0.5)(keras.layers.Concatenate()(pooled))
    outputs = keras.layers.Dense(
        labels.num_classes, activation="softmax", kernel_constraint=keras.constraints.MaxNorm(3)
    )(x)
    model = keras.Model(token_ids, outputs)
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model, dataset(train, True), dataset(test, False)


def kerasdl_recipe(train, test, labels, epochs):
    """The trainer's default textcnn recipe (applications.text_classification.recipes)."""
    hp = recipes.hyperparameters("textcnn", epochs=epochs, seed=FLAGS.seed)
    fit_train, valid = splits.holdout(train, 0.1, FLAGS.seed)
    preprocessor = recipes.preprocessor(hp, fit_train.texts)
    batches = dict(preprocessor=preprocessor, labels=labels, batch_size=hp.batch_size)
    training = text.make_dataset(
        fit_train, **batches, shuffle=True, seed=FLAGS.seed, bucket_boundaries="auto"
    )
    training, steps = Experiment.count_batches(training)
    model = recipes.build_model(hp, preprocessor, labels.num_classes)
    schedule = trainer.learning_rate_schedule("cosine", hp.learning_rate, steps, epochs)
    model.compile(
        optimizer=trainer.make_optimizer("adam", schedule),
        loss=recipes.loss(hp),
        metrics=recipes.metrics(),
    )
    return model, training, text.make_dataset(valid, **batches), text.make_dataset(test, **batches)


def main(argv):
    data = text.load_text_classification(
        train_file=os.path.join(FLAGS.data, "train.tsv"),
        test_file=os.path.join(FLAGS.data, "test.tsv"),
    )
    train = data.train.subset(range(FLAGS.max_train)) if FLAGS.max_train else data.train
    print(f"{len(train)} training texts, {len(data.test)} test texts; {os.cpu_count()} CPUs")

    print(f"plain Keras 3, Kim's recipe ({FLAGS.reference_epochs} epochs):")
    keras.utils.set_random_seed(FLAGS.seed)
    model, training, test = plain_keras_kim(train, data.test, data.labels)
    reference = TestAccuracy(test)
    model.fit(
        training, epochs=FLAGS.reference_epochs, callbacks=[reference], shuffle=False, verbose=0
    )
    reference_seconds, reference_accuracy = reference.points[-1]
    keras.backend.clear_session(free_memory=True)

    print(f"kerasdl textcnn recipe ({FLAGS.kerasdl_epochs} epochs):")
    keras.utils.set_random_seed(FLAGS.seed)
    model, training, valid, test = kerasdl_recipe(
        train, data.test, data.labels, FLAGS.kerasdl_epochs
    )
    ours = TestAccuracy(test)
    best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy",
        mode="max",
        patience=FLAGS.kerasdl_epochs,
        restore_best_weights=True,
    )
    model.fit(
        training,
        validation_data=valid,
        epochs=FLAGS.kerasdl_epochs,
        callbacks=[ours, best],
        shuffle=False,
        verbose=0,
    )
    kept = float(model.evaluate(test, verbose=0, return_dict=True)["accuracy"])
    reached = [s for s, a in ours.points if a >= reference_accuracy - 1e-9]
    reference_to_target = [s for s, a in reference.points if a >= FLAGS.target_accuracy]
    ours_to_target = [s for s, a in ours.points if a >= FLAGS.target_accuracy]
    result = {
        "train_texts": len(train),
        "reference": {
            "epochs": FLAGS.reference_epochs,
            "seconds": reference_seconds,
            "test_accuracy": reference_accuracy,
            "per_epoch": reference.points,
            "seconds_to_target_accuracy": reference_to_target[0] if reference_to_target else None,
        },
        "kerasdl": {
            "epochs": FLAGS.kerasdl_epochs,
            "seconds": ours.points[-1][0],
            "test_accuracy_best_valid_epoch": kept,
            "per_epoch": ours.points,
            "seconds_to_reference_accuracy": reached[0] if reached else None,
            "seconds_to_target_accuracy": ours_to_target[0] if ours_to_target else None,
        },
        "target_accuracy": FLAGS.target_accuracy,
        "speedup_to_reference_accuracy": reference_seconds / reached[0] if reached else None,
        "speedup_full_runs": reference_seconds / ours.points[-1][0],
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    if FLAGS.output:
        with open(FLAGS.output, "w") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    app.run(main)
