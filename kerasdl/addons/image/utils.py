"""tfa.image's rank handling: images of rank 2 (HW), 3 (HWC) or 4 (NHWC) as NHWC.

The reshaping is `kerasdl.ops.image`'s (which also takes a rank known only at run time);
these names keep tfa's and its error message.
"""

from kerasdl.ops.image import _from_batch, _rank, _to_batch


def to_4d_image(image):
    """`image` (a tensor) as `[batch, height, width, channels]`, and its original rank."""
    rank = _rank(image)
    if rank is not None and rank not in (2, 3, 4):
        raise ValueError(f"`image` must be 2/3/4D tensor, got rank {rank}")
    return _to_batch(image)


from_4d_image = _from_batch  # undoes `to_4d_image`


def is_floating(dtype) -> bool:
    return "float" in str(dtype)


__all__ = ["from_4d_image", "is_floating", "to_4d_image"]
