"""tfa.image.interpolate_spline: polyharmonic spline interpolation (thin-plate for order 2).

Written in TensorFlow ops in tfa 0.23's order of operations (the same linear system, solved
by `tf.linalg.solve`), so values and gradients are tfa's for float32 and float64.
"""

import tensorflow as tf

# tfa's floor under the radial basis function's argument: it keeps log(0) and the gradient
# of sqrt(0) finite on the diagonal of the system.
EPSILON = 1e-10


def _cross_squared_distance_matrix(x, y):
    """`[b, n, m]`: `||x[b, i] - y[b, j]||^2` for `x` `[b, n, d]`, `y` `[b, m, d]`."""
    x_norm_squared = tf.reduce_sum(tf.square(x), 2)[:, :, None]
    y_norm_squared = tf.reduce_sum(tf.square(y), 2)[:, None, :]
    return x_norm_squared - 2 * tf.matmul(x, y, adjoint_b=True) + y_norm_squared


def _pairwise_squared_distance_matrix(x):
    """`[b, n, n]`: `||x[b, i] - x[b, j]||^2`, from the one Gram matrix."""
    gram = tf.matmul(x, x, adjoint_b=True)
    norm_squared = tf.linalg.diag_part(gram)[:, :, None]
    return norm_squared - 2 * gram + tf.transpose(norm_squared, [0, 2, 1])


def _phi(r, order: int):
    """The polyharmonic kernel of `order` at squared distance `r`: `r^(k/2)` for odd k,
    `r^(k/2) log(r) / 2` for even k (so `sqrt(r)` for 1, `r log(r) / 2` for 2)."""
    if order == 1:
        return tf.sqrt(tf.maximum(r, EPSILON))
    if order == 2:
        return 0.5 * r * tf.math.log(tf.maximum(r, EPSILON))
    if order == 4:
        return 0.5 * tf.square(r) * tf.math.log(tf.maximum(r, EPSILON))
    r = tf.maximum(r, EPSILON)
    if order % 2 == 0:
        return 0.5 * tf.pow(r, 0.5 * order) * tf.math.log(r)
    return tf.pow(r, 0.5 * order)


def _solve_interpolation(train_points, train_values, order: int, regularization_weight):
    """Weights `w` `[b, n, k]` on the centres and `v` `[b, d + 1, k]` on the affine term.

    The system of https://en.wikipedia.org/wiki/Polyharmonic_spline, with `A = phi(dist)`
    (+ `regularization_weight * I`) and `B = [c, 1]`:
    `[[A, B], [B^T, 0]] [w; v] = [f; 0]`.
    """
    b, n = tf.shape(train_points)[0], tf.shape(train_points)[1]
    d = train_points.shape[-1]
    if d is None:
        raise ValueError(
            "The dimensionality of the input points (d) must be statically-inferrable."
        )
    k = train_values.shape[-1]
    if k is None:
        raise ValueError(
            "The dimensionality of the output values (k) must be statically-inferrable."
        )
    c, dtype = train_points, train_points.dtype
    matrix_a = _phi(_pairwise_squared_distance_matrix(c), order)
    if regularization_weight > 0:
        matrix_a += regularization_weight * tf.eye(n, dtype=dtype)[None]
    matrix_b = tf.concat([c, tf.ones_like(c[..., :1], dtype=dtype)], 2)
    left = tf.concat([matrix_a, tf.transpose(matrix_b, [0, 2, 1])], 1)
    right = tf.concat([matrix_b, tf.zeros([b, d + 1, d + 1], dtype)], 1)
    lhs = tf.concat([left, right], 2)
    rhs = tf.concat([train_values, tf.zeros([b, d + 1, k], dtype)], 1)
    w_v = tf.linalg.solve(lhs, rhs)
    return w_v[:, :n, :], w_v[:, n:, :]


def _apply_interpolation(query_points, train_points, w, v, order: int):
    """The interpolant at `query_points`: `phi(dist) w + [x, 1] v`."""
    rbf_term = tf.matmul(_phi(_cross_squared_distance_matrix(query_points, train_points), order), w)
    ones = tf.ones_like(query_points[..., :1], train_points.dtype)
    linear_term = tf.matmul(tf.concat([query_points, ones], 2), v)
    return rbf_term + linear_term


def interpolate_spline(
    train_points,
    train_values,
    query_points,
    order: int,
    regularization_weight=0.0,
    name: str = "interpolate_spline",
):
    """Polyharmonic spline interpolation, as tfa 0.23.

    The interpolant is `f(x) = sum_i w_i phi(||x - c_i||) + v^T [x, 1]` with centres
    `c_i = train_points`; `w` and `v` make it pass through `train_values` (or, with
    `regularization_weight > 0`, trade the fit against smoothness), with `w` orthogonal to
    the centres and summing to 0. `phi(r) = r^order` for odd orders and
    `r^order log(r)` for even ones (order 2: the thin-plate spline). Differentiable in the
    points and values.

    Args:
        train_points: `[batch, n, d]` float tensor of centres (d known statically).
        train_values: `[batch, n, k]` float tensor of values there (k known statically).
        query_points: `[batch, m, d]` float tensor.
        order: the interpolation order (1, 2, 3, ...).
        regularization_weight: weight of the smoothness term (e.g. 0.001); 0 interpolates.
        name: unused (tfa's name scope).

    Returns:
        `[batch, m, k]` values of the interpolant at `query_points`.
    """
    train_points = tf.convert_to_tensor(train_points)
    train_values = tf.convert_to_tensor(train_values)
    query_points = tf.convert_to_tensor(query_points)
    w, v = _solve_interpolation(train_points, train_values, order, regularization_weight)
    return _apply_interpolation(query_points, train_points, w, v, order)


__all__ = ["interpolate_spline"]
