"""Writes scikit-learn's bundled 8x8 handwritten digits as .npy files for `digits.ch` and `cnn.ch`.

Usage: python examples/prepare_digits.py [--out DIR] [--seed N] [--test N]

The 1797 images ship with scikit-learn (`sklearn.datasets.load_digits`, nothing is downloaded).
Pixels (0..16) are scaled to [0, 1] as float32 and flattened to 64 values; labels are int32 0..9.
A seeded split stratified by label (1437 training, 360 test images by default) is written to DIR
(default `examples/data/`, relative to the working directory) as

    train_x.npy  float32 [1437, 64]      train_y.npy  int32 [1437]
    test_x.npy   float32 [360, 64]       test_y.npy   int32 [360]

The Charl programs read them with paths relative to the working directory, so run them from the
repository root: `python examples/prepare_digits.py && charlc run examples/digits.ch`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

DEFAULT_OUT = Path("examples") / "data"


def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images as float32 [N, 64] in [0, 1] and their labels as int32 [N]."""
    data = load_digits()
    x = (np.asarray(data.data, dtype=np.float32) / np.float32(16.0)).astype(np.float32)
    y = np.asarray(data.target, dtype=np.int32)
    return x, y


def split(x: np.ndarray, y: np.ndarray, test: int, seed: int) -> dict[str, np.ndarray]:
    """A shuffled split with `test` test images, stratified by label, named as the files are."""
    train_x, test_x, train_y, test_y = train_test_split(x, y, test_size=test, random_state=seed, stratify=y)
    return {
        "train_x": np.ascontiguousarray(train_x, dtype=np.float32),
        "train_y": np.ascontiguousarray(train_y, dtype=np.int32),
        "test_x": np.ascontiguousarray(test_x, dtype=np.float32),
        "test_y": np.ascontiguousarray(test_y, dtype=np.int32),
    }


def write(arrays: dict[str, np.ndarray], out: Path) -> list[Path]:
    """Saves each array as `out/<name>.npy` (creating `out`); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, array in arrays.items():
        path = out / f"{name}.npy"
        np.save(path, array)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the 8x8 digits as .npy files for examples/digits.ch.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: examples/data)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the train/test split (default: 0)")
    parser.add_argument("--test", type=int, default=360, help="number of test images (default: 360)")
    args = parser.parse_args(argv)
    x, y = digits()
    for path in write(split(x, y, args.test, args.seed), args.out):
        array = np.load(path)
        print(f"{path}: {array.dtype} {list(array.shape)}")


if __name__ == "__main__":
    main()
