"""Image data for the "generalisation to images" study: MNIST and its rotation orbits.

The MNIST files are read from a directory the user names, else from
``$SYMFAST_DATA/mnist``; nothing is downloaded.  Without them, scikit-learn's
bundled 8x8 digits stand in (:func:`load_digits`).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from symfast._config import data_dir
from symfast._validation import check_array, check_int, check_seed

_IMAGES = "t10k-images-idx3-ubyte"
_LABELS = "t10k-labels-idx1-ubyte"


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (plain or gzipped) of unsigned bytes.

    Raises
    ------
    ValueError
        On a bad magic number, an unsupported type, or a size that does not
        match the header; the message names the file.
    """
    p = Path(path)
    with _open(p) as fh:
        data = fh.read()
    if len(data) < 4:
        raise ValueError(f"{p}: not an IDX file (only {len(data)} bytes)")
    zero, dtype, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{p}: not an IDX file of unsigned bytes (magic {data[:4].hex()})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{p}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape)) if shape else 0
    if len(data) - header != size:
        raise ValueError(f"{p}: header announces {size} bytes of data for shape {shape}, "
                         f"file holds {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{directory} holds no {stem}[.gz]")


def load_mnist(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test set: images (10000, 28, 28) uint8 and labels (10000,) uint8.

    Parameters
    ----------
    path : path-like, optional
        Directory with ``t10k-images-idx3-ubyte[.gz]`` and
        ``t10k-labels-idx1-ubyte[.gz]``; default ``$SYMFAST_DATA/mnist``.
    """
    directory = Path(path) if path is not None else data_dir() / "mnist"
    if not directory.is_dir():
        raise FileNotFoundError(f"MNIST directory {str(directory)!r} does not exist")
    images = read_idx(_find(directory, _IMAGES))
    labels = read_idx(_find(directory, _LABELS))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST files disagree: images {images.shape}, labels {labels.shape}")
    return images, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, values 0..16), as uint8 images."""
    from sklearn.datasets import load_digits as _load

    d = _load()
    return (d.images * (255.0 / 16.0)).round().astype(np.uint8), d.target.astype(np.uint8)


def load_images(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST if it can be found, else the 8x8 digits; returns (images, labels, source)."""
    try:
        images, labels = load_mnist(path)
        return images, labels, "mnist"
    except FileNotFoundError:
        if path is not None:
            raise
        images, labels = load_digits()
        return images, labels, "sklearn-digits-8x8"


def rotation_orbit(image: np.ndarray, n_angles: int, *, order: int = 1) -> np.ndarray:
    """The image rotated by n_angles equally spaced angles in [0, 360) degrees.

    Parameters
    ----------
    image : array_like of shape (h, w)
    n_angles : int
    order : int, default=1
        Spline order of the interpolation (scipy.ndimage.rotate); 1 is bilinear.

    Returns
    -------
    ndarray of shape (n_angles, h * w), float64
        Flattened rotated images, intensities in [0, 1].
    """
    from scipy.ndimage import rotate

    img = check_array(image, "image", ndim=2) / 255.0
    n_angles = check_int(n_angles, "n_angles", minimum=3)
    angles = np.arange(n_angles) * (360.0 / n_angles)
    return np.stack([rotate(img, a, reshape=False, order=order, mode="constant").ravel()
                     for a in angles])


def pca_reduce(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre X (n, D) and project onto its top principal components.

    Returns (Z (n, n_components), components (n_components, D), explained variance ratio).
    """
    X = check_array(X, "X", ndim=2, min_rows=2)
    n_components = check_int(n_components, "n_components", minimum=1,
                             maximum=min(X.shape))
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    evr = s**2 / np.sum(s**2)
    return Xc @ Vt[:n_components].T, Vt[:n_components], evr[:n_components]


def pick(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of n images, spread over the classes as evenly as possible, seeded."""
    rng = np.random.default_rng(check_seed(seed))
    n = check_int(n, "n", minimum=1, maximum=labels.shape[0])
    order = rng.permutation(labels.shape[0])
    classes = np.unique(labels)
    per = [order[labels[order] == c] for c in classes]
    out: list[int] = []
    i = 0
    while len(out) < n:
        for lst in per:
            if i < lst.size and len(out) < n:
                out.append(int(lst[i]))
        i += 1
    return np.array(out, dtype=np.int64)
