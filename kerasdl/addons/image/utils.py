"""tfa.image's rank handling: images of rank 2 (HW), 3 (HWC) or 4 (NHWC) as NHWC."""


def to_4d_image(image):
    """`image` as `[batch, height, width, channels]`, and its original rank."""
    rank = len(image.shape)
    if rank not in (2, 3, 4):
        raise ValueError(f"`image` must be 2/3/4D tensor, got rank {rank}")
    if rank == 2:
        image = image[None, :, :, None]
    elif rank == 3:
        image = image[None]
    return image, rank


def from_4d_image(image, rank: int):
    """Undoes `to_4d_image`."""
    if rank == 2:
        return image[0, :, :, 0]
    if rank == 3:
        return image[0]
    return image


def is_floating(dtype) -> bool:
    return "float" in str(dtype)


__all__ = ["from_4d_image", "is_floating", "to_4d_image"]
