"""`import kerasdl` alone registers every serializable kerasdl object with Keras.

The objects are enumerated from Keras' own registry after importing every kerasdl module,
not from a hand-written list, so a class added anywhere in the package is checked too.
Each one is serialized in that process and deserialized in a fresh process that imports
only `kerasdl` — where a `.keras` file is loaded by a user.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

REPO = pathlib.Path(__file__).resolve().parents[1]

# Constructor arguments of registered classes that have required ones, as Python source
# evaluated in the census process (with `keras` and `kerasdl` imported). A registered class
# missing here that cannot be built without arguments fails the census.
EXAMPLE_ARGUMENTS = {
    "AdamW": "dict(weight_decay=1e-4)",
    "AdamWTFA": "dict(weight_decay=1e-4)",
    "F1Score": "dict(num_classes=3)",
    "FBetaScore": "dict(num_classes=3)",
    "SGDW": "dict(weight_decay=1e-4)",
    "SGDWTFA": "dict(weight_decay=1e-4)",
    "SWA": "dict(optimizer=keras.optimizers.SGD())",
    "MovingAverage": "dict(optimizer=keras.optimizers.SGD())",
    "MultiHeadAttention": "dict(head_size=2, num_heads=2)",
    "MultiOptimizer": "dict(optimizers_and_layers=[(keras.optimizers.SGD(), keras.layers.ReLU())])",
    "SpectralNormalization": "dict(layer=keras.layers.Dense(2))",
    "BackupAndRestore": "dict(backup_dir='backup')",
    "CRF": "dict(units=3)",
    "CRFModelWrapper": "dict(base_model=keras.Sequential([keras.Input((3, 4))]), units=3)",
    "CohenKappa": "dict(num_classes=3)",
    "CorrelationCost": "dict(kernel_size=1, max_displacement=1, stride_1=1, stride_2=1, pad=1, "
    "data_format='channels_last')",
    "EmbeddingBag": "dict(input_dim=4, output_dim=2)",
    "Maxout": "dict(num_units=2)",
    "MaxUnpooling2DV2": "dict(output_size=(1, 4, 4, 1))",
    "NoisyDense": "dict(units=2)",
    "SpatialPyramidPooling2D": "dict(bins=[1, 2])",
    "HammingLoss": "dict(mode='multilabel')",
    "MatthewsCorrelationCoefficient": "dict(num_classes=3)",
    "MultiLabelConfusionMatrix": "dict(num_classes=3)",
    "CharacterBiLSTM": "dict(vocabulary_size=10)",
    "ConditionalGradient": "dict(learning_rate=0.9)",
    "CyclicalLearningRate": "dict(initial_learning_rate=0.1, maximal_learning_rate=0.5, "
    "step_size=3, scale_fn=keras.activations.sigmoid)",
    "ExponentialCyclicalLearningRate": "dict(initial_learning_rate=0.1, "
    "maximal_learning_rate=0.5, step_size=3, gamma=0.9)",
    "Triangular2CyclicalLearningRate": "dict(initial_learning_rate=0.1, "
    "maximal_learning_rate=0.5, step_size=3)",
    "TriangularCyclicalLearningRate": "dict(initial_learning_rate=0.1, "
    "maximal_learning_rate=0.5, step_size=3)",
    "CharacterCNN": "dict(vocabulary_size=10)",
    "DepthwiseSeparableBlock": "dict(filters=4)",
    "DropBlock2D": "dict(rate=0.1)",
    "InvertedResidual": "dict(filters=4)",
    "Lookahead": "dict(optimizer=keras.optimizers.Adam())",
    "OneCycle": "dict(max_learning_rate=0.1, total_steps=100)",
    "PositionEmbedding": "dict(max_length=8)",
    "ResidualBlock": "dict(filters=4)",
    "SAM": "dict(model=keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))",
    "TaggingPreprocessor": "dict(words=['a', 'b'], chars=['a', 'b'])",
    "TextPreprocessor": "dict(vocabulary=['a', 'b'])",
    "TransformerEncoder": "dict(num_heads=2, intermediate_dim=8)",
    "Warmup": "dict(after=keras.optimizers.schedules.CosineDecay(0.1, 100), warmup_steps=10)",
    "WeightNormalization": "dict(layer=keras.layers.Dense(2))",
    "WeightedKappaLoss": "dict(num_classes=3)",
    "ESN": "dict(units=3)",
    "ESNCell": "dict(units=3)",
    "LayerNormLSTMCell": "dict(units=3)",
    "LayerNormSimpleRNNCell": "dict(units=3)",
    "NASCell": "dict(units=3)",
    "PeepholeLSTMCell": "dict(units=3)",
    "AttentionWrapper": "dict(cell=keras.layers.LSTMCell(3), "
    "attention_mechanism=kerasdl.addons.seq2seq.LuongAttention(3))",
    "BahdanauAttention": "dict(units=3)",
    "BahdanauMonotonicAttention": "dict(units=3)",
    "LuongAttention": "dict(units=3)",
    "LuongMonotonicAttention": "dict(units=3)",
    "BasicDecoder": "dict(cell=keras.layers.LSTMCell(3), "
    "sampler=kerasdl.addons.seq2seq.TrainingSampler())",
    "BeamSearchDecoder": "dict(cell=keras.layers.LSTMCell(3), beam_width=2)",
    "CustomSampler": "dict(initialize_fn=keras.activations.linear, "
    "sample_fn=keras.activations.linear, next_inputs_fn=keras.activations.linear)",
    "InferenceSampler": "dict(sample_fn=keras.activations.linear, sample_shape=[], "
    "sample_dtype='int32', end_fn=keras.activations.linear)",
    "ScheduledEmbeddingTrainingSampler": "dict(sampling_probability=0.5)",
    "ScheduledOutputTrainingSampler": "dict(sampling_probability=0.5)",
    "PronunciationPreprocessor": "dict(characters=['a'], phones=['AH'])",
}

CENSUS = """
import importlib, inspect, json, pkgutil, sys
import keras, kerasdl

for module in pkgutil.walk_packages(kerasdl.__path__, "kerasdl."):
    importlib.import_module(module.name)
examples = json.loads(sys.argv[1])
census, missing = {}, []
for name, obj in sorted(keras.saving.get_custom_objects().items()):
    if not getattr(obj, "__module__", "").startswith("kerasdl"):
        continue
    if inspect.isfunction(obj):
        instance = obj
    else:
        short = name.split(">")[-1]
        try:
            instance = obj(**eval(examples.get(short, "{}")))
        except TypeError as error:
            missing.append(f"{name}: {error}")
            continue
    census[name] = keras.saving.serialize_keras_object(instance)
print(json.dumps({"census": census, "missing": missing}))
"""

RELOAD = """
import json, sys
import keras
import kerasdl  # the only import a user makes before keras.saving.load_model

census = json.load(open(sys.argv[1]))
failures = []
for name, config in census.items():
    try:
        # A copy: some from_config methods (keras.layers.Wrapper's) pop from their config.
        restored = keras.saving.deserialize_keras_object(json.loads(json.dumps(config)))
        again = keras.saving.serialize_keras_object(restored)
        if json.dumps(again, sort_keys=True) != json.dumps(config, sort_keys=True):
            failures.append(f"{name}: config changed on the round trip: {again} != {config}")
    except Exception as error:
        failures.append(f"{name}: {type(error).__name__}: {error}")
print(json.dumps(failures))
"""


def _python(source, *args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_import_kerasdl_registers_every_registered_object(tmp_path):
    result = _python(CENSUS, json.dumps(EXAMPLE_ARGUMENTS), cwd=tmp_path)
    assert not result["missing"], "add constructor arguments to EXAMPLE_ARGUMENTS: " + str(
        result["missing"]
    )
    census = result["census"]
    # The registry holds the library's layers, losses, optimizers, schedules and functions.
    for name in ("kerasdl>CRF", "kerasdl>CRFLoss", "kerasdl>Warmup", "kerasdl>OneCycle"):
        assert name in census
    (tmp_path / "census.json").write_text(json.dumps(census))
    failures = _python(RELOAD, str(tmp_path / "census.json"), cwd=tmp_path)
    assert failures == []


def test_model_with_warmup_schedule_loads_in_a_fresh_process(tmp_path):
    """The `model.keras` of a `--warmup_epochs` run loads after `import kerasdl` alone."""
    path = tmp_path / "model.keras"
    saved_rate = _python(
        f"""
        import json, keras, kerasdl.schedules
        schedule = kerasdl.schedules.Warmup(
            kerasdl.schedules.OneCycle(max_learning_rate=0.1, total_steps=100), warmup_steps=5
        )
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.SGD(schedule), loss="mse")
        model.save({str(path)!r})
        print(json.dumps(float(model.optimizer.learning_rate)))
        """,
        cwd=tmp_path,
    )
    learning_rate = _python(
        f"""
        import json, keras, kerasdl
        model = keras.saving.load_model({str(path)!r})
        print(json.dumps(float(model.optimizer.learning_rate)))
        """,
        cwd=tmp_path,
    )
    assert learning_rate == saved_rate
