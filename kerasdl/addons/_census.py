"""Where each of tensorflow-addons 0.23's 182 public symbols lives under Keras 3.

`CENSUS` maps `"<tfa submodule>.<name>"` (`".register_all"` for the top level) to
`(kind, home, note)`:

- `"addons"`: `kerasdl.addons.<submodule>.<name>` provides it with tfa's signature;
  `home` says what it is built on.
- `"kerasdl"`: not under `kerasdl.addons`; use the kerasdl-native `home`.
- `"keras"`: not under `kerasdl.addons`; use the Keras 3 `home` (arguments differ).
- `"none"`: not provided; `note` says why and what to use instead.

tests/data/addons_tfa_symbols.txt (written from tfa 0.23 by
tests/data/make_addons_census.py) must list exactly these symbols, everything marked
"addons" must resolve in `kerasdl.addons`, and BUILD_NOTES.md's migration table is
`markdown_table()` (tests/test_addons_census.py). Regenerate the table with
`python -m kerasdl.addons._census BUILD_NOTES.md`.
"""

from __future__ import annotations

import sys

KINDS = ("addons", "kerasdl", "keras", "none")

_CORR = "tfa's streaming histogram estimate; Keras' `PearsonCorrelation`: exact per batch"
_CORR_RANK = "tfa's streaming histogram estimate"

CENSUS: dict[str, tuple[str, str, str]] = {
    ".register_all": ("addons", "no-op", "importing kerasdl.addons registers every class"),
    # activations
    "activations.gelu": ("addons", "keras.activations.gelu", "approximate=True by default, as tfa"),
    "activations.hardshrink": ("addons", "keras.ops", "lower/upper (Keras: one threshold)"),
    "activations.lisht": ("addons", "kerasdl.activations.lisht", ""),
    "activations.mish": ("addons", "keras.activations.mish", ""),
    "activations.rrelu": ("addons", "kerasdl.activations.rrelu", "training=None means inference"),
    "activations.snake": ("addons", "kerasdl.activations.snake", ""),
    "activations.softshrink": ("addons", "keras.ops", "lower/upper (Keras: one threshold)"),
    "activations.sparsemax": (
        "addons",
        "keras.ops",
        "tfa's algorithm; Keras 3.15.1's is wrong on ties",
    ),
    "activations.tanhshrink": ("addons", "keras.ops", ""),
    # callbacks
    "callbacks.AverageModelCheckpoint": (
        "addons",
        "keras.callbacks.ModelCheckpoint",
        "MovingAverage, SWA, or any optimizer with Keras' `use_ema=True`",
    ),
    "callbacks.TQDMProgressBar": (
        "addons",
        "keras.callbacks.Callback",
        "tqdm comes with tensorflow-datasets",
    ),
    "callbacks.TimeStopping": ("addons", "keras.callbacks.Callback", ""),
    # image
    "image.adjust_hsv_in_yiq": (
        "addons",
        "TensorFlow ops",
        "tfa's kernel re-expressed (float32, integers); float16/64: tfa's fallback",
    ),
    "image.angles_to_projective_transforms": ("addons", "kerasdl.ops", ""),
    "image.blend": ("addons", "keras.ops", ""),
    "image.compose_transforms": (
        "addons",
        "kerasdl.ops.compose_transforms",
        "takes a list, as tfa",
    ),
    "image.connected_components": (
        "addons",
        "TensorFlow ops",
        "tfa's union-find kernel as a parallel union-find; strings too",
    ),
    "image.cutout": ("addons", "kerasdl.ops.cutout", "odd sizes also accepted"),
    "image.dense_image_warp": ("addons", "TensorFlow ops", ""),
    "image.equalize": ("addons", "keras.ops", "tfa's table (`keras.layers.Equalization`: random)"),
    "image.euclidean_dist_transform": (
        "addons",
        "TensorFlow ops",
        "tfa's kernel re-expressed; float16 as tfa up to 45-pixel distances",
    ),
    "image.gaussian_filter2d": (
        "addons",
        "keras.ops.depthwise_conv",
        "fixed sigma (`keras.layers.RandomGaussianBlur`: random)",
    ),
    "image.interpolate_bilinear": ("addons", "TensorFlow ops", ""),
    "image.interpolate_spline": (
        "addons",
        "TensorFlow ops",
        "orders 3, 5, 6: TF 2.21's `pow` (float32 within 1e-4 of tfa)",
    ),
    "image.mean_filter2d": ("addons", "TensorFlow ops", ""),
    "image.median_filter2d": ("addons", "TensorFlow ops", ""),
    "image.random_cutout": ("addons", "kerasdl.ops.cutout", "Keras random draws"),
    "image.random_hsv_in_yiq": ("addons", "TensorFlow ops", "tfa's seeded draws"),
    "image.resampler": (
        "addons",
        "TensorFlow ops",
        "tfa's kernel re-expressed; gradients equal to rounding",
    ),
    "image.rotate": ("addons", "kerasdl.ops.rotate", ""),
    "image.sharpness": (
        "addons",
        "keras.ops.depthwise_conv",
        "fixed factor (`keras.layers.RandomSharpness`: random)",
    ),
    "image.shear_x": ("addons", "kerasdl.ops.transform", "`replace` colour, as tfa"),
    "image.shear_y": ("addons", "kerasdl.ops.transform", "`replace` colour, as tfa"),
    "image.sparse_image_warp": ("addons", "TensorFlow ops", ""),
    "image.transform": (
        "addons",
        "kerasdl.ops.transform",
        "another output_shape: TensorFlow's kernel, as tfa",
    ),
    "image.translate": ("addons", "kerasdl.ops.translate", ""),
    "image.translate_xy": ("addons", "kerasdl.ops.translate", "`replace` colour, as tfa"),
    "image.translations_to_projective_transforms": ("addons", "kerasdl.ops", ""),
    # layers
    "layers.AdaptiveAveragePooling1D": ("addons", "keras.layers", ""),
    "layers.AdaptiveAveragePooling2D": ("addons", "keras.layers", ""),
    "layers.AdaptiveAveragePooling3D": ("addons", "keras.layers", ""),
    "layers.AdaptiveMaxPooling1D": ("addons", "keras.layers", ""),
    "layers.AdaptiveMaxPooling2D": ("addons", "keras.layers", ""),
    "layers.AdaptiveMaxPooling3D": ("addons", "keras.layers", ""),
    "layers.CRF": ("addons", "kerasdl.ops.crf_decode", "tfa's 4-tuple; native: kerasdl.layers.CRF"),
    "layers.CorrelationCost": ("addons", "keras.ops", "tfa's kernel in keras.ops, any float"),
    "layers.ESN": ("addons", "keras.layers.RNN", "reservoir drawn by Keras' random generator"),
    "layers.EmbeddingBag": ("addons", "keras.ops.take", "tfa's kernel as a gather and sum"),
    "layers.FilterResponseNormalization": ("addons", "keras.ops", ""),
    "layers.GELU": ("addons", "keras.activations.gelu", "approximate=True by default"),
    "layers.GroupNormalization": ("addons", "keras.layers.GroupNormalization", ""),
    "layers.InstanceNormalization": ("addons", "keras.layers.GroupNormalization", "groups=-1"),
    "layers.MaxUnpooling2D": ("addons", "keras.ops.scatter", ""),
    "layers.MaxUnpooling2DV2": ("addons", "keras.ops.scatter", ""),
    "layers.Maxout": ("addons", "keras.ops", ""),
    "layers.MultiHeadAttention": (
        "addons",
        "keras.ops.einsum",
        "tfa's weights and [query, key, value] call (Keras': other kernels, q/k/v biases)",
    ),
    "layers.NoisyDense": ("addons", "keras.random", "Keras' draws; builds without a bias"),
    "layers.PoincareNormalize": ("addons", "keras.ops", ""),
    "layers.PolynomialCrossing": (
        "addons",
        "keras.ops",
        "deprecated in tfa; keras-rs `FeatureCross`",
    ),
    "layers.Snake": ("addons", "kerasdl.activations.snake", "scalar trainable frequency"),
    "layers.Sparsemax": ("addons", "kerasdl.addons.activations.sparsemax", ""),
    "layers.SpatialPyramidPooling2D": ("addons", "keras.ops", ""),
    "layers.SpectralNormalization": (
        "addons",
        "keras.layers.SpectralNormalization",
        "tfa's `u`, `w` names",
    ),
    "layers.StochasticDepth": ("addons", "kerasdl.layers.StochasticDepth", ""),
    "layers.TLU": ("addons", "keras.ops", ""),
    "layers.WeightNormalization": (
        "addons",
        "keras.layers.Wrapper",
        "tfa's data init; RNNs by the cell's recurrent kernel, as tfa",
    ),
    # losses
    "losses.ContrastiveLoss": ("addons", "keras.ops", ""),
    "losses.GIoULoss": ("addons", "keras.ops", "yxyx boxes as tfa (keras-hub: any format)"),
    "losses.LiftedStructLoss": ("addons", "keras.ops", "mined per replica, averaged over replicas"),
    "losses.NpairsLoss": ("addons", "keras.ops", "averaged over replicas"),
    "losses.NpairsMultilabelLoss": ("addons", "keras.ops", "averaged over replicas"),
    "losses.PinballLoss": ("addons", "keras.ops", ""),
    "losses.SigmoidFocalCrossEntropy": ("addons", "keras.ops", "sum over classes, reduction none"),
    "losses.SparsemaxLoss": ("addons", "keras.ops", "from_logits must be True, as tfa"),
    "losses.TripletHardLoss": ("addons", "keras.ops", "mined per replica, averaged over replicas"),
    "losses.TripletSemiHardLoss": (
        "addons",
        "keras.ops",
        "mined per replica, averaged over replicas; 0 (tfa: NaN) without positive pairs",
    ),
    "losses.WeightedKappaLoss": ("addons", "keras.ops", "one value per batch, as tfa"),
    "losses.contrastive_loss": ("addons", "keras.ops", ""),
    "losses.giou_loss": ("addons", "keras.ops", "yxyx boxes as tfa"),
    "losses.lifted_struct_loss": ("addons", "keras.ops", "0 (tfa: NaN) without positive pairs"),
    "losses.npairs_loss": ("addons", "keras.ops", ""),
    "losses.npairs_multilabel_loss": ("addons", "keras.ops", ""),
    "losses.pinball_loss": ("addons", "keras.ops", ""),
    "losses.sigmoid_focal_crossentropy": ("addons", "keras.ops", "sum over classes"),
    "losses.sparsemax_loss": ("addons", "keras.ops", ""),
    "losses.triplet_hard_loss": ("addons", "keras.ops", ""),
    "losses.triplet_semihard_loss": ("addons", "keras.ops", "0 (tfa: NaN) without positive pairs"),
    # metrics
    "metrics.CohenKappa": (
        "addons",
        "keras.metrics.Metric",
        "regression predictions clipped to the classes (tfa: an error)",
    ),
    "metrics.F1Score": ("addons", "keras.metrics.F1Score", "num_classes kept for the config"),
    "metrics.FBetaScore": ("addons", "keras.metrics.FBetaScore", "num_classes kept"),
    "metrics.GeometricMean": ("addons", "keras.metrics.Metric", ""),
    "metrics.HammingLoss": ("addons", "keras.metrics.MeanMetricWrapper", ""),
    "metrics.HarmonicMean": ("addons", "keras.metrics.Mean", ""),
    "metrics.KendallsTauB": ("addons", "keras.metrics.Metric", _CORR_RANK),
    "metrics.KendallsTauC": ("addons", "keras.metrics.Metric", _CORR_RANK),
    "metrics.MatthewsCorrelationCoefficient": ("addons", "keras.metrics.Metric", ""),
    "metrics.MeanMetricWrapper": ("addons", "keras.metrics.MeanMetricWrapper", ""),
    "metrics.MultiLabelConfusionMatrix": ("addons", "keras.metrics.Metric", ""),
    "metrics.PearsonsCorrelation": ("addons", "keras.metrics.Metric", _CORR),
    "metrics.RSquare": ("addons", "keras.metrics.R2Score", "multioutput = class_aggregation"),
    "metrics.SpearmansRank": ("addons", "keras.metrics.Metric", _CORR_RANK),
    "metrics.hamming_distance": ("addons", "keras.ops", ""),
    "metrics.hamming_loss_fn": ("addons", "keras.ops", ""),
    # optimizers
    "optimizers.AdaBelief": (
        "addons",
        "kerasdl.optimizers.AdaBelief",
        "sparse as tfa; weight_decay a float, schedule or callable",
    ),
    "optimizers.AdamW": ("addons", "kerasdl.optimizers.AdamWTFA", "decay not scaled by lr, as tfa"),
    "optimizers.AveragedOptimizerWrapper": ("none", "", "base class of MovingAverage/SWA"),
    "optimizers.COCOB": (
        "addons",
        "keras.optimizers.Optimizer",
        "sparse gradients take the dense step (tfa: NotImplementedError)",
    ),
    "optimizers.ConditionalGradient": (
        "addons",
        "keras.optimizers.Optimizer",
        "a learning-rate schedule works (tfa's failed)",
    ),
    "optimizers.CyclicalLearningRate": (
        "addons",
        "kerasdl.schedules.CyclicalLearningRate",
        "scale_fn saved as Keras saves functions",
    ),
    "optimizers.DecoupledWeightDecayExtension": ("addons", "keras.optimizers.Optimizer", "mixin"),
    "optimizers.ExponentialCyclicalLearningRate": (
        "addons",
        "kerasdl.schedules.ExponentialCyclicalLearningRate",
        "an int64 step works (tfa's failed)",
    ),
    "optimizers.KerasLegacyOptimizer": ("none", "", "Keras 3 has no legacy optimizers"),
    "optimizers.LAMB": (
        "addons",
        "keras.optimizers.Lamb",
        "tfa's decay inside the trust ratio; exclusions match variable paths",
    ),
    "optimizers.LazyAdam": (
        "addons",
        "kerasdl.optimizers.LazyAdam",
        "sparse: rows present only, moments included; amsgrad dense only, as tfa",
    ),
    "optimizers.Lookahead": (
        "addons",
        "kerasdl.optimizers.Lookahead",
        "hands the inner optimizer sparse gradients with repeated rows summed",
    ),
    "optimizers.MovingAverage": (
        "addons",
        "kerasdl.optimizers.wrapper.OptimizerWrapper",
        "averages start at the weights, as tfa; Keras 3 form: `use_ema=True`",
    ),
    "optimizers.MultiOptimizer": (
        "addons",
        "keras.optimizers.MultiOptimizer",
        "pairs matched by variable path",
    ),
    "optimizers.NovoGrad": (
        "addons",
        "kerasdl.optimizers.NovoGrad",
        "sparse as tfa (rows summed, absent rows untouched); sparse amsgrad works",
    ),
    "optimizers.ProximalAdagrad": (
        "addons",
        "keras.optimizers.Optimizer",
        "sparse as tfa (rows summed, absent rows untouched)",
    ),
    "optimizers.RectifiedAdam": (
        "addons",
        "kerasdl.optimizers.RectifiedAdam",
        "sparse as tfa; weight_decay a float, schedule or callable",
    ),
    "optimizers.SGDW": ("addons", "kerasdl.optimizers.SGDWTFA", "decay not scaled by lr, as tfa"),
    "optimizers.SWA": (
        "addons",
        "keras.optimizers.Optimizer",
        "wraps any optimizer; callback form: kerasdl.callbacks.SWA",
    ),
    "optimizers.Triangular2CyclicalLearningRate": (
        "addons",
        "kerasdl.schedules.Triangular2CyclicalLearningRate",
        "",
    ),
    "optimizers.TriangularCyclicalLearningRate": (
        "addons",
        "kerasdl.schedules.TriangularCyclicalLearningRate",
        "",
    ),
    "optimizers.Yogi": (
        "addons",
        "kerasdl.optimizers.Yogi",
        "sparse as tfa (rows summed, absent rows untouched)",
    ),
    "optimizers.extend_with_decoupled_weight_decay": ("addons", "keras.optimizers", ""),
    # rnn
    "rnn.ESNCell": ("addons", "keras.ops", "reservoir drawn by Keras' random generator"),
    "rnn.LayerNormLSTMCell": ("addons", "keras.layers.LSTMCell", "float64 works (tfa's fails)"),
    "rnn.LayerNormSimpleRNNCell": ("addons", "keras.layers.SimpleRNNCell", ""),
    "rnn.NASCell": ("addons", "keras.ops", "initializers serialized in the config"),
    "rnn.PeepholeLSTMCell": ("addons", "keras.layers.LSTMCell", ""),
    # text
    "text.CRFModelWrapper": (
        "addons",
        "kerasdl.addons.layers.CRF",
        "train_step on the CRF's NLL (TensorFlow backend)",
    ),
    "text.CrfDecodeForwardRnnCell": ("addons", "keras.ops", ""),
    "text.crf_binary_score": ("addons", "kerasdl.ops.crf_binary_score", ""),
    "text.crf_constrained_decode": ("addons", "kerasdl.ops.crf_decode", ""),
    "text.crf_decode": ("addons", "kerasdl.ops.crf_decode", "tags past a row's length are 0"),
    "text.crf_decode_backward": ("addons", "keras.ops.scan", ""),
    "text.crf_decode_forward": ("addons", "keras.ops.scan", ""),
    "text.crf_filtered_inputs": ("addons", "keras.ops", ""),
    "text.crf_forward": ("addons", "keras.ops.scan", ""),
    "text.crf_log_likelihood": ("addons", "kerasdl.ops.crf_log_likelihood", "length 0 gives 0"),
    "text.crf_log_norm": ("addons", "kerasdl.ops.crf_log_norm", ""),
    "text.crf_multitag_sequence_score": ("addons", "kerasdl.ops.crf_log_norm", ""),
    "text.crf_sequence_score": ("addons", "kerasdl.ops.crf_sequence_score", ""),
    "text.crf_unary_score": ("addons", "kerasdl.ops.crf_unary_score", ""),
    "text.parse_time": (
        "addons",
        "TensorFlow string ops",
        "absl's parser re-expressed; week-based and locale directives not supported",
    ),
    "text.skip_gram_sample": (
        "addons",
        "TensorFlow ops",
        "tfa's window draws for a seeded first call; repeated calls draw on",
    ),
    "text.skip_gram_sample_with_text_vocab": ("addons", "TensorFlow ops", "as skip_gram_sample"),
    "text.viterbi_decode": ("addons", "kerasdl.ops.viterbi_decode", "NumPy"),
}

# The attention mechanisms, the attention wrapper and the sequence loss.
_MEMORY = "memory cast to the layer's dtype; a symbolic memory is set up in a `call`"
CENSUS.update(
    {
        "seq2seq.AttentionMechanism": ("addons", "keras.layers.Layer", _MEMORY),
        "seq2seq.AttentionWrapper": (
            "addons",
            "keras.ops",
            "a Keras 3 RNN cell with a config; in `keras.layers.RNN` the alignment history "
            "is a time-major tensor (TensorFlow), elsewhere tfa's `TensorArray`",
        ),
        "seq2seq.AttentionWrapperState": ("addons", "namedtuple", ""),
        "seq2seq.BahdanauAttention": ("addons", "keras.ops", _MEMORY),
        "seq2seq.BahdanauMonotonicAttention": ("addons", "keras.ops", "noise by `keras.random`"),
        "seq2seq.LuongAttention": ("addons", "keras.ops", _MEMORY),
        "seq2seq.LuongMonotonicAttention": ("addons", "keras.ops", "noise by `keras.random`"),
        "seq2seq.SequenceLoss": ("addons", "keras.losses.Loss", "has a config"),
        "seq2seq.hardmax": ("addons", "keras.ops", ""),
        "seq2seq.monotonic_attention": ("addons", "keras.ops", "float64 recursive mode works"),
        "seq2seq.safe_cumprod": ("addons", "keras.ops", ""),
        "seq2seq.sequence_loss": ("addons", "keras.ops", ""),
    }
)
# The decoders, samplers and beam search.
_NAMEDTUPLE = ("addons", "namedtuple", "")
_SCHEDULED = "tfa's seeded draws; a `[batch]` probability works (tfa's failed)"
CENSUS.update(
    {
        "seq2seq.BaseDecoder": ("addons", "keras.layers.Layer", ""),
        "seq2seq.BasicDecoder": (
            "addons",
            "keras.layers.Layer",
            "`initial_state` may be omitted; the sampler's layers are saved with it",
        ),
        "seq2seq.BasicDecoderOutput": _NAMEDTUPLE,
        "seq2seq.BeamSearchDecoder": (
            "addons",
            "keras.layers.Layer",
            "saves to `.keras` and SavedModel (tfa's could not); impute_finished refused "
            "(tfa's failed)",
        ),
        "seq2seq.BeamSearchDecoderOutput": _NAMEDTUPLE,
        "seq2seq.BeamSearchDecoderState": _NAMEDTUPLE,
        "seq2seq.CustomSampler": ("addons", "TensorFlow", ""),
        "seq2seq.Decoder": ("addons", "abc", ""),
        "seq2seq.FinalBeamSearchDecoderOutput": _NAMEDTUPLE,
        "seq2seq.GreedyEmbeddingSampler": (
            "addons",
            "keras.ops",
            "an `embedding` given to `initialize` serves that decode only",
        ),
        "seq2seq.InferenceSampler": ("addons", "keras.ops", ""),
        "seq2seq.SampleEmbeddingSampler": ("addons", "tf.random.categorical", "tfa's seeded draws"),
        "seq2seq.Sampler": ("addons", "abc", "samplers have configs"),
        "seq2seq.ScheduledEmbeddingTrainingSampler": ("addons", "tf.random", _SCHEDULED),
        "seq2seq.ScheduledOutputTrainingSampler": ("addons", "tf.random", _SCHEDULED),
        "seq2seq.TrainingSampler": ("addons", "tf.TensorArray", ""),
        "seq2seq.dynamic_decode": ("addons", "tf.while_loop", ""),
        "seq2seq.gather_tree": (
            "addons",
            "tf.scan",
            "tfa's C++ kernel in TensorFlow ops; a parent id equal to beam_width is an error",
        ),
        "seq2seq.gather_tree_from_array": ("addons", "tf.gather", ""),
        "seq2seq.tile_batch": ("addons", "keras.ops.repeat", ""),
    }
)
CENSUS = dict(sorted(CENSUS.items()))


def counts() -> dict[str, int]:
    """Number of tfa symbols of each kind."""
    return {kind: sum(1 for k, _, _ in CENSUS.values() if k == kind) for kind in KINDS}


def _cell(symbol: str, kind: str, home: str, note: str) -> str:
    module, name = symbol.split(".", 1)
    if kind == "addons":
        path = f"kerasdl.addons.{symbol}" if module else "kerasdl.addons.register_all"
        where = f"`{path}` (on `{home}`)" if home.startswith(("keras", "kerasdl")) else f"`{path}`"
    elif kind == "none":
        where = "not provided"
    else:
        where = f"`{home}`" if not home.startswith("`") else home
    return where + (f": {note}" if note else "")


def markdown_table() -> str:
    """BUILD_NOTES' census table, one row per tfa symbol, and the counts line."""
    c = counts()
    lines = [
        f"Census of tfa 0.23's {len(CENSUS)} public symbols (generated from "
        "`kerasdl/addons/_census.py`; `python -m kerasdl.addons._census BUILD_NOTES.md`): "
        f"{c['addons']} under `kerasdl.addons`, {c['kerasdl']} kerasdl-native, "
        f"{c['keras']} Keras 3, {c['none']} not provided.",
        "",
        "| tfa 0.23 symbol | home now |",
        "|---|---|",
    ]
    for symbol, (kind, home, note) in CENSUS.items():
        tfa_name = f"tfa{symbol}" if symbol.startswith(".") else f"tfa.{symbol}"
        lines.append(f"| `{tfa_name}` | {_cell(symbol, kind, home, note)} |")
    return "\n".join(lines) + "\n"


BEGIN = "<!-- census: begin (generated, do not edit by hand) -->\n"
END = "<!-- census: end -->\n"


def rewrite(text: str) -> str:
    """`text` (BUILD_NOTES.md) with the census region replaced by `markdown_table()`."""
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + markdown_table() + text[stop:]


if __name__ == "__main__":
    path = sys.argv[1]
    with open(path) as f:
        old = f.read()
    with open(path, "w") as f:
        f.write(rewrite(old))
