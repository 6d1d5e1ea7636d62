"""tfa.losses.giou_loss: the generalized intersection-over-union box loss."""

import keras
from keras import ops


def _giou(boxes1, boxes2, mode):
    """GIoU (or IoU) of boxes `[..., 4]` encoded `[y_min, x_min, y_max, x_max]`
    (Rezatofighi et al. 2019, "Generalized Intersection over Union", algorithms 1 and 2)."""
    y_min1, x_min1, y_max1, x_max1 = ops.unstack(boxes1, 4, axis=-1)
    y_min2, x_min2, y_max2, x_max2 = ops.unstack(boxes2, 4, axis=-1)
    area1 = ops.maximum(x_max1 - x_min1, 0.0) * ops.maximum(y_max1 - y_min1, 0.0)
    area2 = ops.maximum(x_max2 - x_min2, 0.0) * ops.maximum(y_max2 - y_min2, 0.0)
    intersection = ops.maximum(ops.minimum(x_max1, x_max2) - ops.maximum(x_min1, x_min2), 0.0)
    intersection *= ops.maximum(ops.minimum(y_max1, y_max2) - ops.maximum(y_min1, y_min2), 0.0)
    union = area1 + area2 - intersection
    iou = ops.divide_no_nan(intersection, union)
    if mode == "iou":
        return iou
    enclosure = ops.maximum(ops.maximum(x_max1, x_max2) - ops.minimum(x_min1, x_min2), 0.0)
    enclosure *= ops.maximum(ops.maximum(y_max1, y_max2) - ops.minimum(y_min1, y_min2), 0.0)
    return iou - ops.divide_no_nan(enclosure - union, enclosure)


@keras.saving.register_keras_serializable(package="Addons")
def giou_loss(y_true, y_pred, mode: str = "giou"):
    """`1 - GIoU` (or `1 - IoU` with `mode="iou"`) between boxes `[..., 4]` encoded
    `[y_min, x_min, y_max, x_max]`; integer boxes are taken as float32. Like tfa, the
    result is squeezed, so one pair of boxes `[4]` or `[1, 4]` gives a scalar."""
    if mode not in ("giou", "iou"):
        raise ValueError("Value of mode should be 'iou' or 'giou'")
    y_pred = ops.convert_to_tensor(y_pred)
    if "float" not in str(y_pred.dtype):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, y_pred.dtype)
    return 1.0 - ops.squeeze(_giou(y_pred, y_true, mode))


@keras.saving.register_keras_serializable(package="Addons")
class GIoULoss(keras.losses.Loss):
    """`giou_loss` as a loss, averaged over the boxes by default (tfa's `AUTO`).
    keras-hub's `keras_hub.losses` / KerasCV's `GIoULoss` take `bounding_box_format`
    instead; this one keeps tfa's fixed `yxyx` encoding."""

    def __init__(
        self,
        mode: str = "giou",
        reduction="sum_over_batch_size",
        name: str = "giou_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.mode = mode

    def call(self, y_true, y_pred):
        return giou_loss(y_true, y_pred, self.mode)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode})
        return config
