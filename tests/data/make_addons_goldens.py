"""Writes tests/data/addons_goldens.npz: tfa 0.23 outputs that kerasdl.addons must match.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_goldens.py
Keys are `<symbol>/<case>/<array>`; inputs are stored beside the outputs.
"""

import pathlib

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

rng = np.random.RandomState(18)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


# activations
x = np.linspace(-3, 3, 13).astype("float32")
for name in ("gelu", "hardshrink", "lisht", "mish", "softshrink", "tanhshrink", "snake"):
    put(f"activations.{name}/default", x=x, y=getattr(tfa.activations, name)(x).numpy())
put("activations.gelu/exact", x=x, y=tfa.activations.gelu(x, approximate=False).numpy())
for name in ("hardshrink", "softshrink"):
    y = getattr(tfa.activations, name)(x, lower=-1.0, upper=2.0).numpy()
    put(f"activations.{name}/bounds", x=x, y=y)
put("activations.snake/frequency", x=x, y=tfa.activations.snake(x, frequency=2.5).numpy())
put("activations.rrelu/inference", x=x, y=tfa.activations.rrelu(x, training=False).numpy())
ties = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-3], [0.5, 0.5], [2.0, 2.0]], "float32")
put("activations.sparsemax/ties", x=ties, y=tfa.activations.sparsemax(ties).numpy())
z = rng.uniform(-2, 2, (6, 5)).astype("float32")
z[2, 1] = z[2, 3] = z[2].max() + 0.1  # a tie at the top
put("activations.sparsemax/random", x=z, y=tfa.activations.sparsemax(z).numpy())
z3 = rng.uniform(-2, 2, (3, 4, 5)).astype("float32")
put("activations.sparsemax/axis1", x=z3, y=tfa.activations.sparsemax(z3, axis=1).numpy())

# image
images = rng.randint(0, 255, (2, 7, 9, 3)).astype("uint8")
put("image.inputs/images", x=images)
angles = np.array([0.3, -1.1], "float32")
for interpolation in ("nearest", "bilinear"):
    y = tfa.image.rotate(images, angles, interpolation=interpolation.upper()).numpy()
    put(f"image.rotate/{interpolation}", angles=angles, y=y)
translations = np.array([[1.5, -2.0], [-3.0, 0.5]], "float32")
y = tfa.image.translate(images, translations, interpolation="BILINEAR", fill_mode="reflect")
put("image.translate/bilinear_reflect", translations=translations, y=y.numpy())
transforms = np.array(
    [[1.1, 0.2, -1.0, 0.1, 0.9, 0.5, 0.01, -0.02], [0.9, -0.1, 2.0, 0.0, 1.2, -1.0, 0, 0]],
    "float32",
)
for fill_mode in ("constant", "wrap", "nearest"):
    y = tfa.image.transform(images, transforms, "BILINEAR", fill_mode=fill_mode, fill_value=7.0)
    put(f"image.transform/{fill_mode}", transforms=transforms, y=y.numpy())
t1 = tfa.image.angles_to_projective_transforms(0.4, 7, 9)
t2 = tfa.image.translations_to_projective_transforms([2.0, -1.0])
put("image.angles_to_projective_transforms/one", y=t1.numpy())
put(
    "image.angles_to_projective_transforms/batch",
    y=tfa.image.angles_to_projective_transforms(angles, 7, 9).numpy(),
)
put(
    "image.translations_to_projective_transforms/batch",
    x=translations,
    y=tfa.image.translations_to_projective_transforms(translations).numpy(),
)
put("image.compose_transforms/two", y=tfa.image.compose_transforms([t1, t2]).numpy())
for level, replace in ((0.3, [10, 20, 30]), (-0.6, [128, 128, 128])):
    tag = f"{level}".replace("-", "m")
    put(
        f"image.shear_x/{tag}",
        level=level,
        replace=replace,
        y=tfa.image.shear_x(images[0], level, replace).numpy(),
    )
    put(
        f"image.shear_y/{tag}",
        level=level,
        replace=replace,
        y=tfa.image.shear_y(images[0], level, replace).numpy(),
    )
put(
    "image.translate_xy/one",
    to=[2, -1],
    replace=[1, 2, 3],
    y=tfa.image.translate_xy(images[0], [2, -1], [1, 2, 3]).numpy(),
)
put(
    "image.cutout/batch",
    y=tfa.image.cutout(images, [2, 4], [[3, 3], [0, 8]], constant_values=9).numpy(),
)

# text
B, T, K = 3, 5, 4
potentials = rng.randn(B, T, K).astype("float32")
transitions = rng.randn(K, K).astype("float32")
lengths = np.array([5, 3, 1], "int32")
bitmap = rng.rand(B, T, K) > 0.4
bitmap[..., 0] |= ~bitmap.any(-1)
tags = rng.randint(0, K, (B, T)).astype("int32")
put(
    "text.inputs",
    potentials=potentials,
    transitions=transitions,
    lengths=lengths,
    bitmap=bitmap,
    tags=tags,
)
put("text.crf_filtered_inputs/y", y=tfa.text.crf_filtered_inputs(potentials, bitmap).numpy())
put(
    "text.crf_multitag_sequence_score/y",
    y=tfa.text.crf_multitag_sequence_score(potentials, bitmap, lengths, transitions).numpy(),
)
decoded, score = tfa.text.crf_constrained_decode(potentials, bitmap, transitions, lengths)
put("text.crf_constrained_decode/y", tags=decoded.numpy(), score=score.numpy())
ll, _ = tfa.text.crf_log_likelihood(potentials, tags, lengths, transitions)
put("text.crf_log_likelihood/y", y=ll.numpy())
put(
    "text.crf_sequence_score/y",
    y=tfa.text.crf_sequence_score(potentials, tags, lengths, transitions).numpy(),
)
put("text.crf_log_norm/y", y=tfa.text.crf_log_norm(potentials, lengths, transitions).numpy())
state = tf.constant(potentials[:, 0])
put(
    "text.crf_forward/y",
    y=tfa.text.crf_forward(potentials[:, 1:], state, transitions, lengths - 1).numpy(),
)
pointers, last = tfa.text.crf_decode_forward(
    tf.constant(potentials[:, 1:]), state, transitions, lengths - 1
)
put("text.crf_decode_forward/y", pointers=pointers.numpy(), last=last.numpy())
start = np.argmax(last.numpy(), axis=1)[:, None].astype("int32")
put(
    "text.crf_decode_backward/y",
    start=start,
    y=tfa.text.crf_decode_backward(pointers, start).numpy(),
)

# layers
features = rng.randn(B, T, 6).astype("float32")
mask = np.arange(T)[None, :] < lengths[:, None]
crf = tfa.layers.CRF(K)
crf(features)
weights = [rng.randn(*w.shape).astype("float32") for w in crf.get_weights()]
crf.set_weights(weights)
names = [w.name.split("/")[-1].split(":")[0] for w in crf.weights]
decoded, crf_potentials, crf_lengths, kernel = crf(features, mask=tf.constant(mask))
put(
    "layers.CRF/masked",
    features=features,
    mask=mask,
    decoded=decoded.numpy(),
    potentials=crf_potentials.numpy(),
    lengths=crf_lengths.numpy(),
)
decoded, crf_potentials, _, _ = crf(features)
put("layers.CRF/unmasked", decoded=decoded.numpy(), potentials=crf_potentials.numpy())
for name, value in zip(names, weights, strict=True):
    put("layers.CRF/weights", **{name: value})
put("layers.GELU/default", x=x, y=tfa.layers.GELU()(x).numpy())
snake = tfa.layers.Snake(frequency_initializer=tf.keras.initializers.Constant(0.7))
put("layers.Snake/constant", x=x, y=snake(x).numpy())
norm_inputs = rng.randn(2, 4, 4, 3).astype("float32")
put(
    "layers.InstanceNormalization/default",
    x=norm_inputs,
    y=tfa.layers.InstanceNormalization()(norm_inputs).numpy(),
)
put("layers.Sparsemax/default", x=z, y=tfa.layers.Sparsemax()(z).numpy())

# losses
y_true = (rng.rand(4, 3) > 0.5).astype("float32")
y_prob = rng.uniform(0.05, 0.95, (4, 3)).astype("float32")
y_logit = rng.randn(4, 3).astype("float32")
put("losses.inputs", y_true=y_true, y_prob=y_prob, y_logit=y_logit)
put(
    "losses.sigmoid_focal_crossentropy/prob",
    y=tfa.losses.sigmoid_focal_crossentropy(y_true, y_prob).numpy(),
)
put(
    "losses.sigmoid_focal_crossentropy/logits",
    y=tfa.losses.sigmoid_focal_crossentropy(
        y_true, y_logit, alpha=0.4, gamma=1.5, from_logits=True
    ).numpy(),
)
put(
    "losses.SigmoidFocalCrossEntropy/default",
    y=tfa.losses.SigmoidFocalCrossEntropy()(y_true, y_prob).numpy(),
)

# metrics
labels = np.eye(3)[rng.randint(0, 3, 10)].astype("float32")
scores = rng.rand(10, 3).astype("float32")
put("metrics.inputs", labels=labels, scores=scores)
for average in (None, "micro", "macro", "weighted"):
    m = tfa.metrics.F1Score(3, average=average, threshold=0.5)
    m.update_state(labels, scores)
    put(f"metrics.F1Score/{average}", y=m.result().numpy())
m = tfa.metrics.FBetaScore(3, average="macro", beta=2.0)
m.update_state(labels, scores)
put("metrics.FBetaScore/macro_beta2", y=m.result().numpy())
targets = rng.randn(10, 2).astype("float32")
predictions = (targets + 0.5 * rng.randn(10, 2)).astype("float32")
for multioutput in ("uniform_average", "raw_values", "variance_weighted"):
    m = tfa.metrics.RSquare(multioutput=multioutput)
    m.update_state(targets, predictions)
    put(
        f"metrics.RSquare/{multioutput}",
        targets=targets,
        predictions=predictions,
        y=m.result().numpy(),
    )


# optimizers: three steps on two variables, the second excluded or left out of decay
def trajectory(make, decay_var_list=False):
    kernel = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="dense/kernel")
    bias = tf.Variable([0.3, -0.7], name="dense/bias")
    optimizer = make()
    for step in range(3):
        grads = [tf.constant([[0.1, -0.2], [0.3, 0.05]]) * (step + 1), tf.constant([0.5, -0.1])]
        kwargs = {"decay_var_list": [kernel]} if decay_var_list else {}
        optimizer.apply_gradients(zip(grads, [kernel, bias], strict=True), **kwargs)
    return kernel.numpy(), bias.numpy()


cases = {
    "AdamW/exclude": lambda: tfa.optimizers.AdamW(
        0.1, learning_rate=0.01, exclude_from_weight_decay=["bias"]
    ),
    "AdamW/all": lambda: tfa.optimizers.AdamW(0.1, learning_rate=0.01),
    "SGDW/exclude": lambda: tfa.optimizers.SGDW(
        0.1, learning_rate=0.05, momentum=0.9, exclude_from_weight_decay=["bias"]
    ),
    "extend_with_decoupled_weight_decay/adam": lambda: (
        tfa.optimizers.extend_with_decoupled_weight_decay(tf.keras.optimizers.legacy.Adam)(
            weight_decay=0.05, learning_rate=0.02
        )
    ),
}
for key, make in cases.items():
    kernel, bias = trajectory(make)
    put(f"optimizers.{key}", kernel=kernel, bias=bias)
kernel, bias = trajectory(
    lambda: tfa.optimizers.AdamW(0.1, learning_rate=0.01), decay_var_list=True
)
put("optimizers.AdamW/decay_var_list", kernel=kernel, bias=bias)

# image.transform onto an output grid other than the input's (appended last: the draws
# above keep their values)
for shape in ((5, 11), (12, 4)):
    for interpolation in ("NEAREST", "BILINEAR"):
        y = tfa.image.transform(
            images, transforms, interpolation, output_shape=shape, fill_mode="reflect"
        )
        put(f"image.transform/output_{shape[0]}x{shape[1]}_{interpolation.lower()}", y=y.numpy())

path = pathlib.Path(__file__).with_name("addons_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path}")
