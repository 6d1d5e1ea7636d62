"""tfa.layers.SpectralNormalization: Keras 3's, with tfa's attribute names."""

import keras


@keras.saving.register_keras_serializable(package="Addons")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """Spectral normalization (Miyato et al. 2018, eq. 8): `keras.layers.
    SpectralNormalization` (same `layer`, `power_iterations`; in training each call runs
    the power iteration and writes `W / sigma(W)` into the wrapped kernel), with tfa's
    names for its state: `u` (Keras' `vector_u`) and `w` (the wrapped layer's kernel)."""

    @property
    def u(self):
        return self.vector_u

    @property
    def w(self):
        return self.kernel
