"""tfa.image.interpolate_bilinear and tfa.image.dense_image_warp: bilinear sampling of an
image at arbitrary points, and a warp by a per-pixel flow field built on it.

Written in TensorFlow ops in tfa 0.23's order of operations, so values (and the gradients
TensorFlow derives from them) are tfa's for float16, float32 and float64.
"""

import tensorflow as tf


def _dim(x, axis: int):
    """The static size of `x`'s `axis` where known, else its run-time size."""
    if x.shape.rank is not None and x.shape[axis] is not None:
        return x.shape[axis]
    return tf.shape(x)[axis]


def _floor_and_alpha(queries, size, grid_dtype):
    """For coordinates `queries` [B, N] along an axis of `size` pixels: the index of the
    upper-left sample, clamped to `[0, size - 2]` so that index + 1 exists, and the
    interpolation weight of the next sample, clamped to `[0, 1]` (outside the grid the
    edge value is repeated)."""
    floor = tf.minimum(
        tf.maximum(tf.zeros([], queries.dtype), tf.floor(queries)),
        tf.cast(size - 2, queries.dtype),
    )
    alpha = tf.cast(queries - floor, grid_dtype)
    alpha = tf.minimum(tf.maximum(tf.zeros([], grid_dtype), alpha), tf.ones([], grid_dtype))
    return tf.cast(floor, tf.int32), alpha[:, :, None]


def interpolate_bilinear(grid, query_points, indexing: str = "ij", name: str | None = None):
    """Values of `grid` at `query_points` by bilinear interpolation, as tfa 0.23 (Matlab's
    `interp2`).

    Points outside the grid take the value of the nearest edge: the four samples are
    clamped into the grid and the weights into `[0, 1]`.

    Args:
        grid: `[batch, height, width, channels]` float tensor, height and width >= 2.
        query_points: `[batch, N, 2]` float tensor (any float dtype; the weights are cast
            to `grid`'s dtype).
        indexing: `"ij"` (points are (row, column)) or `"xy"` (x, y).
        name: unused (tfa's op name).

    Returns:
        `[batch, N, channels]` values of `grid`'s dtype.
    """
    if indexing not in ("ij", "xy"):
        raise ValueError("Indexing mode must be 'ij' or 'xy'")
    grid = tf.convert_to_tensor(grid)
    query_points = tf.convert_to_tensor(query_points)
    grid_shape = tf.shape(grid)
    query_shape = tf.shape(query_points)
    checks = [
        tf.debugging.assert_equal(tf.rank(grid), 4, "Grid must be 4D Tensor"),
        tf.debugging.assert_greater_equal(grid_shape[1], 2, "Grid height must be at least 2."),
        tf.debugging.assert_greater_equal(grid_shape[2], 2, "Grid width must be at least 2."),
        tf.debugging.assert_equal(tf.rank(query_points), 3, "Query points must be 3 dimensional."),
        tf.debugging.assert_equal(query_shape[2], 2, "Query points last dimension must be 2."),
    ]
    with tf.control_dependencies(checks):
        batch, height, width = grid_shape[0], grid_shape[1], grid_shape[2]
        channels, num_queries = grid_shape[3], query_shape[1]
        # Row coordinates are column 0 of "ij" points and column 1 of "xy" points.
        rows, cols = tf.unstack(query_points, num=2, axis=2)
        if indexing == "xy":
            rows, cols = cols, rows
        row, alpha_row = _floor_and_alpha(rows, height, grid.dtype)
        col, alpha_col = _floor_and_alpha(cols, width, grid.dtype)

        flat_grid = tf.reshape(grid, [batch * height * width, channels])
        offsets = tf.reshape(tf.range(batch) * height * width, [batch, 1])

        def sample(r, c):
            values = tf.gather(flat_grid, offsets + r * width + c)
            return tf.reshape(values, [batch, num_queries, channels])

        top_left, top_right = sample(row, col), sample(row, col + 1)
        bottom_left, bottom_right = sample(row + 1, col), sample(row + 1, col + 1)
        top = alpha_col * (top_right - top_left) + top_left
        bottom = alpha_col * (bottom_right - bottom_left) + bottom_left
        return alpha_row * (bottom - top) + top


def dense_image_warp(image, flow, name: str | None = None):
    """Warps `image` by a dense flow field, as tfa 0.23.

    `output[b, j, i, c] = image[b, j - flow[b, j, i, 0], i - flow[b, j, i, 1], c]`, read by
    `interpolate_bilinear` (points outside the image take the nearest edge value). The flow
    points from output pixels back to source points: to rebuild `I_1` from `I_2` and the
    optical flow `F_12` from `I_1` to `I_2`, `dense_image_warp(I_2, -F_12)`.

    Args:
        image: `[batch, height, width, channels]` float tensor (float16, float32 or
            float64), height and width >= 2.
        flow: `[batch, height, width, 2]` float tensor, of any float dtype.
        name: unused (tfa's op name).

    Returns:
        The warped image, of `image`'s shape and dtype.
    """
    image = tf.convert_to_tensor(image)
    flow = tf.convert_to_tensor(flow)
    batch, height, width, channels = (_dim(image, axis) for axis in range(4))
    grid_x, grid_y = tf.meshgrid(tf.range(width), tf.range(height))
    grid = tf.cast(tf.stack([grid_y, grid_x], axis=2), flow.dtype)
    query_points = tf.reshape(grid[None] - flow, [batch, height * width, 2])
    values = interpolate_bilinear(image, query_points)
    return tf.reshape(values, [batch, height, width, channels])


__all__ = ["dense_image_warp", "interpolate_bilinear"]
