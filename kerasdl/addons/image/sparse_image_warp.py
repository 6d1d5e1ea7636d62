"""tfa.image.sparse_image_warp: a warp given by a few control points (SpecAugment's time
warp), a polyharmonic spline from their displacements to a dense flow, then
`dense_image_warp`. TensorFlow ops, as tfa 0.23 computed them.
"""

import tensorflow as tf

from kerasdl.addons.image.dense_image_warp import dense_image_warp
from kerasdl.addons.image.interpolate_spline import interpolate_spline
from kerasdl.addons.image.utils import from_4d_image, to_4d_image


def _get_grid_locations(image_height, image_width):
    """`[height, width, 2]` (row, column) of every pixel, float64 as tfa's `tf.linspace`."""
    rows = tf.linspace(0, image_height - 1, image_height)
    cols = tf.linspace(0, image_width - 1, image_width)
    return tf.stack(tf.meshgrid(rows, cols, indexing="ij"), -1)


def _expand_to_minibatch(array, batch_size):
    """`array` repeated `batch_size` times along a new first axis."""
    multiples = tf.concat([[batch_size], tf.ones([tf.rank(array)], tf.int32)], axis=0)
    return tf.tile(array[None], multiples)


def _get_boundary_locations(image_height, image_width, num_points_per_edge):
    """(row, column) float32 points evenly spaced along the image's border: the 4 corners
    and `num_points_per_edge` more on each edge, in row-major order."""
    image_height = tf.cast(image_height, tf.float32)
    image_width = tf.cast(image_width, tf.float32)
    rows = tf.linspace(0.0, image_height - 1, num_points_per_edge + 2)
    cols = tf.linspace(0.0, image_width - 1, num_points_per_edge + 2)
    ys, xs = tf.meshgrid(rows, cols, indexing="ij")
    on_border = tf.logical_or(
        tf.logical_or(tf.equal(xs, 0), tf.equal(xs, image_width - 1)),
        tf.logical_or(tf.equal(ys, 0), tf.equal(ys, image_height - 1)),
    )
    return tf.stack([tf.boolean_mask(ys, on_border), tf.boolean_mask(xs, on_border)], axis=-1)


def _add_zero_flow_controls_at_boundary(
    locations, flows, image_height, image_width, boundary_points_per_edge
):
    """`locations` and `flows` with zero-flow control points on the border appended."""
    batch_size = tf.shape(locations)[0]
    boundary = _get_boundary_locations(image_height, image_width, boundary_points_per_edge)
    boundary_flows = tf.zeros([tf.shape(boundary)[0], 2])
    boundary = tf.cast(_expand_to_minibatch(boundary, batch_size), locations.dtype)
    boundary_flows = tf.cast(_expand_to_minibatch(boundary_flows, batch_size), locations.dtype)
    return tf.concat([locations, boundary], 1), tf.concat([flows, boundary_flows], 1)


def sparse_image_warp(
    image,
    source_control_point_locations,
    dest_control_point_locations,
    interpolation_order: int = 2,
    regularization_weight=0.0,
    num_boundary_points: int = 0,
    name: str = "sparse_image_warp",
):
    """Warps `image` so that the source control points move to the destination ones, as
    tfa 0.23.

    The displacements `dest - source` are interpolated from the destination points to
    every pixel by `interpolate_spline` (`interpolation_order`, `regularization_weight`),
    and the image is warped by that flow with `dense_image_warp`; so, with no
    regularization, `warped[dest[t]] = image[source[t]]`. SpecAugment's time warp is one
    control point moved along the time axis.

    Args:
        image: `[height, width]`, `[height, width, channels]` or `[batch, height, width,
            channels]` float tensor (float32 or float64: the spline's linear solve).
        source_control_point_locations: `[batch, num_points, 2]` (row, column) points.
        dest_control_point_locations: `[batch, num_points, 2]`, of `image`'s dtype.
        interpolation_order: the spline's order (2: thin-plate).
        regularization_weight: the spline's smoothness weight.
        num_boundary_points: 0 adds nothing; 1 pins the 4 corners (zero flow); n > 1 the
            corners and n - 1 more points along each edge.
        name: unused (tfa's name scope).

    Returns:
        `(warped_image, flow_field)`: the image in `image`'s shape and dtype, and the dense
        `[batch, height, width, 2]` flow that warped it.
    """
    image, rank = to_4d_image(tf.convert_to_tensor(image))
    source = tf.convert_to_tensor(source_control_point_locations)
    dest = tf.convert_to_tensor(dest_control_point_locations)
    flows = dest - source

    shape = tf.shape(image)
    batch_size, image_height, image_width = shape[0], shape[1], shape[2]
    grid = tf.reshape(_get_grid_locations(image_height, image_width), [-1, 2])
    grid = tf.cast(_expand_to_minibatch(grid, batch_size), image.dtype)
    if num_boundary_points > 0:
        dest, flows = _add_zero_flow_controls_at_boundary(
            dest, flows, image_height, image_width, num_boundary_points - 1
        )
    dense_flows = interpolate_spline(dest, flows, grid, interpolation_order, regularization_weight)
    dense_flows = tf.reshape(dense_flows, [batch_size, image_height, image_width, 2])
    warped = dense_image_warp(image, dense_flows)
    return from_4d_image(warped, rank), dense_flows


__all__ = ["sparse_image_warp"]
