"""Image-classification data: scikit-learn's digits, `.npz` files, class folders, TFDS.

Every loader returns an `ImageData` of uint8 images `[N, H, W, C]` and int64 labels;
`image_dataset` batches it for `model.fit`. Validation splits are in `kerasdl.data.splits`,
the epoch-keyed shuffle in `kerasdl.data.epochs`.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile

import numpy as np

from kerasdl.data.epochs import EpochShuffle
from kerasdl.data.errors import InputError, tfds_errors
from kerasdl.data.parallel import parallel_map
from kerasdl.data.splits import split_arrays


@dataclasses.dataclass
class ImageData:
    """The splits of an image-classification dataset: uint8 images `[N, H, W, C]` and int
    labels `[N]` per split (validation optional), and the name of each class id.

    Example:

    ```python
    from kerasdl.data import images

    data = images.ImageData(
        np.zeros((6, 8, 8, 1), "uint8"), np.arange(6) % 3,
        np.zeros((3, 8, 8, 1), "uint8"), np.arange(3), ["a", "b", "c"],
    )
    data.num_classes, data.image_shape  # 3, (8, 8, 1)
    ```
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    x_valid: np.ndarray | None = None
    y_valid: np.ndarray | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> ImageData:
    """scikit-learn's 8x8 handwritten digits (1797 real images, UCI), offline.

    Pixel values 0..16 are rescaled to uint8 0..255 so the data looks like any other
    image source; the split is stratified and fixed by `seed`.

    Example:

    ```python
    from kerasdl.data import images

    digits = images.load_digits()
    digits.x_train.shape, digits.x_train.dtype, digits.num_classes  # (1437, 8, 8, 1), uint8, 10
    ```
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    return ImageData(x_train, y_train, x_test, y_test, [str(i) for i in range(10)])


def _as_images(path: str, key: str, array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[-1] not in (1, 3):
        raise InputError(
            path, f"{key} has shape {array.shape}; expected [N, H, W] or [N, H, W, 1|3]"
        )
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.number):
            raise InputError(path, f"{key} has dtype {array.dtype}; expected uint8 pixels")
        if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 255 or np.isnan(array).any()):
            raise InputError(path, f"{key} has values outside 0..255")
        array = np.round(array).astype(np.uint8)
    return array


def _as_labels(path: str, key: str, array: np.ndarray, count: int) -> np.ndarray:
    array = np.asarray(array).reshape(-1) if np.ndim(array) == 2 and array.shape[1] == 1 else array
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise InputError(path, f"{key} must be a 1-D integer array, got {array.dtype}{array.shape}")
    if len(array) != count:
        raise InputError(path, f"{key} has {len(array)} labels for {count} images")
    if array.size and array.min() < 0:
        raise InputError(path, f"{key} has a negative label {array.min()}")
    return array.astype(np.int64)


def load_npz(path: str) -> ImageData:
    """An `.npz` with x_train, y_train, x_test, y_test (and optional x_valid, y_valid, class_names).

    Raises `InputError` naming the file for a missing file or key, a shape or dtype
    that is not an image batch, images of different sizes, or labels out of range.

    Example:

    ```python
    from kerasdl.data import images

    np.savez(
        "tiny.npz",
        x_train=np.zeros((6, 4, 4, 1), "uint8"), y_train=np.arange(6) % 2,
        x_test=np.zeros((2, 4, 4, 1), "uint8"), y_test=np.array([0, 1]),
    )
    data = images.load_npz("tiny.npz")
    data.image_shape, data.class_names  # (4, 4, 1), ["0", "1"]
    ```
    """
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise InputError(path, f"not a readable .npz archive ({error})") from None
    with archive:
        keys = set(archive.files)
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in keys]
        if missing:
            raise InputError(path, f"missing array(s) {', '.join(missing)}; found {sorted(keys)}")
        arrays = {}
        for split in ("train", "test", "valid"):
            if f"x_{split}" not in keys:
                continue
            images = _as_images(path, f"x_{split}", archive[f"x_{split}"])
            arrays[f"x_{split}"] = images
            arrays[f"y_{split}"] = _as_labels(
                path, f"y_{split}", archive[f"y_{split}"], len(images)
            )
        class_names = [str(n) for n in archive["class_names"]] if "class_names" in keys else None
    shape = arrays["x_train"].shape[1:]
    for key in ("x_test", "x_valid"):
        if key in arrays and arrays[key].shape[1:] != shape:
            raise InputError(
                path, f"{key} images are {arrays[key].shape[1:]} but x_train images are {shape}"
            )
    if len(arrays["x_train"]) == 0:
        raise InputError(path, "x_train is empty")
    num_classes = int(arrays["y_train"].max()) + 1
    if class_names is None:
        class_names = [str(i) for i in range(num_classes)]
    elif len(class_names) < num_classes:
        raise InputError(
            path, f"class_names has {len(class_names)} names for {num_classes} classes"
        )
    for key in ("y_test", "y_valid"):
        if key in arrays and arrays[key].size and arrays[key].max() >= len(class_names):
            raise InputError(
                path,
                f"{key} has label {arrays[key].max()} but y_train has only "
                f"{len(class_names)} classes (0..{len(class_names) - 1})",
            )
    return ImageData(
        arrays["x_train"],
        arrays["y_train"],
        arrays["x_test"],
        arrays["y_test"],
        class_names,
        arrays.get("x_valid"),
        arrays.get("y_valid"),
    )


def image_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    shuffle: EpochShuffle | None = None,
):
    """A batched `tf.data.Dataset` of (float32 images 0..255, labels).

    With `shuffle`, the examples are reshuffled every epoch (see `EpochShuffle`): batches
    of shuffled indices gather from the arrays, which stay in memory as tensors.

    Example:

    ```python
    from kerasdl.data import images
    from kerasdl.data.epochs import EpochShuffle

    x, y = np.zeros((10, 4, 4, 1), "uint8"), np.arange(10) % 2
    dataset = images.image_dataset(x, y, batch_size=4, shuffle=EpochShuffle(seed=0))
    [len(labels) for _, labels in dataset]  # [4, 4, 2]; float32 images 0..255
    ```
    """
    import tensorflow as tf

    if shuffle is None:
        dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    else:
        images_t, labels_t = tf.constant(images), tf.constant(labels)
        dataset = shuffle.indices(len(images)).batch(batch_size)
        dataset = dataset.map(lambda i: (tf.gather(images_t, i), tf.gather(labels_t, i)))
    dataset = parallel_map(dataset, lambda x, y: (tf.cast(x, tf.float32), y))
    return dataset.prefetch(tf.data.AUTOTUNE)


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _with_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """One decoded image `[H, W, 1..4]` as `channels` (1 or 3) channels.

    Alpha is dropped; grayscale is repeated over red, green and blue; RGB becomes grayscale
    by ITU-R 601 luma, the weights of `tf.image.rgb_to_grayscale`.
    """
    if image.shape[-1] in (2, 4):
        image = image[..., :-1]
    if image.shape[-1] == channels:
        return image
    if channels == 3:
        return np.repeat(image, 3, axis=-1)
    luma = image.astype(np.float32) @ np.array([0.2989, 0.5870, 0.1140], np.float32)
    return np.round(luma)[..., None].astype(np.uint8)


def _read_class_folders(
    root: str, image_size: tuple[int, int] | None, class_names=None, channels: int | None = None
):
    """Images under `root/<class>/*`; returns (images uint8, labels, class_names).

    `channels` None: 1 when every image is grayscale, else 3 (see `load_image_folder`).
    """
    import tensorflow as tf

    if class_names is None:
        class_names = sorted(
            name for name in os.listdir(root) if os.path.isdir(os.path.join(root, name))
        )
        if not class_names:
            raise InputError(root, "no class sub-folders (expected one folder of images per class)")
    images, labels, size = [], [], None
    for label, name in enumerate(class_names):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        for file_name in sorted(os.listdir(folder)):
            path = os.path.join(folder, file_name)
            if not file_name.lower().endswith(IMAGE_SUFFIXES):
                continue
            try:
                image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
            except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError):
                raise InputError(path, "not a decodable PNG, JPEG, BMP or GIF image") from None
            if image_size is not None:
                image = tf.cast(tf.round(tf.image.resize(image, image_size)), tf.uint8)
            image = image.numpy()
            if size is None:
                size = image.shape[:2]
            elif image.shape[:2] != size:
                raise InputError(
                    path,
                    f"image is {image.shape[0]}x{image.shape[1]} pixels but earlier images are "
                    f"{size[0]}x{size[1]}; pass image_size to resize them",
                )
            images.append(image)
            labels.append(label)
    if not images:
        raise InputError(root, "no images found (.png, .jpg, .jpeg, .bmp, .gif)")
    if channels is None:
        channels = 1 if all(image.shape[-1] <= 2 for image in images) else 3
    images = np.stack([_with_channels(image, channels) for image in images])
    return images, np.array(labels, np.int64), class_names


def load_image_folder(
    data_dir: str,
    image_size: tuple[int, int] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> ImageData:
    """Images in one sub-folder per class.

    With `train/` and `test/` sub-folders (each holding the class folders), those are
    the splits; otherwise `test_fraction` is held out for testing (`splits.split_arrays`).
    Images must share one size unless `image_size=(height, width)` resizes them.

    Channels: like Keras' `image_dataset_from_directory`, which converts every image to
    its `color_mode`, the images are brought to one channel count, here chosen from the
    data: grayscale (one channel) when every training image is grayscale, otherwise RGB
    (three channels; grayscale images are repeated over red, green and blue, as Keras'
    default `color_mode="rgb"` does). Alpha channels are dropped. Test images take the
    training images' channel count (RGB ones become grayscale by ITU-R 601 luma when the
    training images are grayscale).

    Example:

    ```python
    import os

    from kerasdl.data import images

    for name, value in [("cats", 0), ("dogs", 255)]:
        os.makedirs(f"pets/{name}")
        for i in range(5):
            keras.utils.save_img(f"pets/{name}/{i}.png", np.full((8, 8, 3), value, "uint8"))
    data = images.load_image_folder("pets", test_fraction=0.2)
    data.class_names, data.x_train.shape  # ["cats", "dogs"], (8, 8, 8, 3)
    ```
    """
    if not os.path.isdir(data_dir):
        raise InputError(data_dir, "folder not found")
    train_root, test_root = os.path.join(data_dir, "train"), os.path.join(data_dir, "test")
    if os.path.isdir(train_root) and os.path.isdir(test_root):
        x_train, y_train, names = _read_class_folders(train_root, image_size)
        x_test, y_test, _ = _read_class_folders(
            test_root, image_size or x_train.shape[1:3], names, x_train.shape[-1]
        )
        return ImageData(x_train, y_train, x_test, y_test, names)
    images, labels, names = _read_class_folders(data_dir, image_size)
    x_train, x_test, y_train, y_test = split_arrays(images, labels, test_fraction, seed, data_dir)
    return ImageData(x_train, y_train, x_test, y_test, names)


def load_tfds(name: str, data_dir: str | None = None) -> ImageData:
    """A TFDS image-classification dataset (`mnist`, `fashion_mnist`, `cifar10`, ...).

    Uses the `train` and `test` splits (and `validation` when the dataset has one) from
    `data_dir` (TFDS's default when None); TFDS downloads and prepares it the first time.

    Example:

    ```python
    from kerasdl.data import images

    # images.load_tfds("mnist") downloads MNIST once into ~/tensorflow_datasets.
    try:
        images.load_tfds("no_such_dataset")
    except kerasdl.data.InputError as error:
        print(error)  # tfds:no_such_dataset: cannot load (DatasetNotFoundError: ...)
    ```
    """
    import tensorflow_datasets as tfds

    source = f"tfds:{name}"
    with tfds_errors(source):
        builder = tfds.builder(name, data_dir=data_dir)
        builder.download_and_prepare()
    features = builder.info.features
    image_key = next((k for k in ("image", "img") if k in features), None)
    if image_key is None or "label" not in features:
        raise InputError(source, f"no image and label features; features are {sorted(features)}")

    def split(split_name):
        # Batches of 1024 rather than batch_size=-1: TF's single-element reduction of a
        # whole split aborts the process (std::length_error) once a global seed is set.
        images, labels = [], []
        for batch in tfds.as_numpy(builder.as_dataset(split=split_name, batch_size=1024)):
            images.append(batch[image_key])
            labels.append(batch["label"])
        return np.concatenate(images).astype(np.uint8), np.concatenate(labels).astype(np.int64)

    x_train, y_train = split("train")
    x_test, y_test = split("test")
    x_valid = y_valid = None
    if "validation" in builder.info.splits:
        x_valid, y_valid = split("validation")
    return ImageData(
        x_train, y_train, x_test, y_test, list(features["label"].names), x_valid, y_valid
    )


BUILT_IN = {"digits": load_digits}


def load_dataset(name: str, tfds_data_dir: str | None = None) -> ImageData:
    """A built-in dataset (`digits`) or a TFDS name.

    Example:

    ```python
    from kerasdl.data import images

    images.load_dataset("digits").num_classes  # 10, offline; other names are TFDS's
    ```
    """
    if name in BUILT_IN:
        return BUILT_IN[name]()
    return load_tfds(name, tfds_data_dir)
