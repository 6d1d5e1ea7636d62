"""tfa.layers.normalizations: GroupNormalization is Keras 3's; InstanceNormalization is
Keras 3's GroupNormalization with one group per channel, as tfa's was."""

import keras
from keras.layers import GroupNormalization

__all__ = ["GroupNormalization", "InstanceNormalization"]


@keras.saving.register_keras_serializable(package="Addons")
class InstanceNormalization(GroupNormalization):
    """Instance normalization (Ulyanov et al. 2016): `GroupNormalization` with
    `groups=-1` (one group per channel). A `groups` argument is ignored, as in tfa."""

    def __init__(self, **kwargs):
        kwargs["groups"] = -1
        super().__init__(**kwargs)
