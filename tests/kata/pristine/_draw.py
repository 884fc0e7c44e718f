"""Given code: pictures for the `python -m exNN_...` runs. Nothing here is yours to write.

In the terminal, with Unicode blocks: the loss curve (log scale) and, for the
networks with two inputs, a map of what the network predicts across the input
plane. With `--plot PATH`, the same as a PNG, if matplotlib is installed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

BLOCKS = " ▁▂▃▄▅▆▇█"
SHADES = " ░▒▓█"  # probability of class 1: 0 … 1
CLASS_FILL = "·░▒▓█:+="  # background of each class's region
LINES = "┤│└─"  # the loss curve's axes
# The same pictures in plain ASCII, for a console that cannot print the blocks (cp1252, ascii).
ASCII = {BLOCKS: " .,:;=+*#", SHADES: " .:+#", CLASS_FILL: ".:-=+*o%", LINES: "||+-"}
# What the network predicts: (M, 2) points in, (M,) values out.
Predict = Callable[[np.ndarray], npt.ArrayLike]


def _chars(fancy: str) -> str:
    """`fancy`, or its ASCII stand-in if standard output cannot encode it (tried, not guessed)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        fancy.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII[fancy]
    return fancy


def options(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--plot", metavar="PATH", help="also save the pictures as a PNG")
    return parser.parse_args(argv)


def loss_curve(values: npt.ArrayLike, width: int = 60, height: int = 8, title: str = "loss") -> str:
    """A log-scale bar chart of `values` (positive), squeezed into `width` columns."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data) & (data > 0)]
    if data.size == 0:
        return f"{title}: nothing to draw"
    columns = np.array_split(data, min(width, data.size))
    if len(columns) < width // 2:  # few values: widen each bar
        columns = [c for c in columns for _ in range(width // len(columns))]
    logs = np.log10([c.mean() for c in columns])
    top, bottom = logs.max(), logs.min()
    if top - bottom < 1e-6:
        return f"{title}: flat at {10**top:.6g} for all {data.size} values"
    span = top - bottom
    eighths = np.round((logs - bottom) / span * (height * 8 - 1) + 1).astype(int)
    rows, blocks = [], _chars(BLOCKS)
    for r in range(height - 1, -1, -1):
        cells = np.clip(eighths - r * 8, 0, 8)
        rows.append("".join(blocks[c] for c in cells))
    tick, bar, corner, rule = list(_chars(LINES))
    labels = [f"{10**top:9.3g} {tick}", *[" " * 9 + f" {bar}"] * (height - 2)]
    labels.append(f"{10**bottom:9.3g} {tick}")
    lines = [f"{title} (log scale), {data.size} values, left to right"]
    lines += [label + row for label, row in zip(labels, rows, strict=True)]
    lines.append(" " * 10 + corner + rule * len(columns))
    return "\n".join(lines)


def _grid(
    X: np.ndarray, width: int, height: int, margin: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * margin + 1e-9
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], width)
    ys = np.linspace(hi[1] + pad[1], lo[1] - pad[1], height)  # top row is the largest x2
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def decision_map(
    predict: Predict,
    X: npt.ArrayLike,
    labels: npt.ArrayLike,
    width: int = 48,
    height: int = 16,
    title: str = "",
) -> str:
    """What `predict` says across the plane around the points X (N, 2).

    predict(G) takes (M, 2) points and returns (M,) values: a probability of
    class 1 (floats in [0, 1], drawn as shades) or class numbers (ints, drawn
    as one fill per class). Each data point is drawn as its label's digit.
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels).ravel()
    xs, ys, grid = _grid(X, width, height)
    values = np.asarray(predict(grid)).ravel()
    if np.issubdtype(values.dtype, np.integer):
        fill = _chars(CLASS_FILL)
        cells = [fill[v % len(fill)] for v in values]
        legend = "  ".join(f"{fill[c]} class {c}" for c in np.unique(values))
    else:
        shades = _chars(SHADES)
        levels = np.clip((values * (len(shades) - 1)).round().astype(int), 0, len(shades) - 1)
        cells = [shades[v] for v in levels]
        legend = f"shade: the output, from ' ' (0 or below) to '{shades[-1]}' (1 or above)"
    canvas = [cells[r * width : (r + 1) * width] for r in range(height)]
    for (x1, x2), label in zip(X, labels, strict=True):
        col = int(np.argmin(np.abs(xs - x1)))
        row = int(np.argmin(np.abs(ys - x2)))
        canvas[row][col] = str(int(label))
    border = "+" + "-" * width + "+"
    lines = [title or "what the network predicts", border]
    lines += ["|" + "".join(row) + "|" for row in canvas]
    lines += [border, f"x1 from {xs[0]:.2g} to {xs[-1]:.2g}, x2 from {ys[-1]:.2g} to {ys[0]:.2g}"]
    lines.append(f"digits: the data's labels; {legend}")
    return "\n".join(lines)


def save_plot(
    path: str,
    trace: npt.ArrayLike,
    predict: Predict | None = None,
    X: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
    title: str = "",
) -> bool:
    """The loss curve (and the decision map, given predict and X) as a PNG at `path`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "--plot needs matplotlib, which is not installed. Install it with\n"
            "    pip install -e '.[plot]'\n"
            "(or: pip install matplotlib), then run this again.",
            file=sys.stderr,
        )
        return False
    panels = 2 if predict is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    ax = axes[0][0]
    ax.semilogy(np.asarray(trace, dtype=float))
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("loss")
    if predict is not None:
        X = np.asarray(X, dtype=float)
        xs, ys, grid = _grid(X, 200, 200)
        values = np.asarray(predict(grid)).reshape(len(ys), len(xs))
        ax = axes[0][1]
        ax.contourf(xs, ys, values, levels=20 if values.dtype.kind == "f" else None, alpha=0.6)
        ax.scatter(X[:, 0], X[:, 1], c=np.asarray(labels).ravel(), edgecolors="k")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title("what the network predicts")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)  # --plot plots/run.png: made for you
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved {path}")
    return True


def run(main: Callable[[], None]) -> None:
    """Run a module's main(); an exercise not written yet gets a sentence, not a traceback.

    `python exercises/ex02_sigmoid_mse.py` (an IDE's Run button) and `python -m
    exercises.ex02_sigmoid_mse` do the same, from any folder (each module's last lines).
    """
    try:
        main()
    except NotImplementedError as exc:
        name = Path(main.__code__.co_filename).stem  # the exercise, however it was started
        print(
            f"{exc}\nThe run needs every function of {name} written. Work on it with\n"
            f"    pytest -m {name[:4]}",
            file=sys.stderr,
        )
        sys.exit(1)


def finish(saved: bool | None) -> None:
    """Exit with an error status if a requested plot could not be saved."""
    if saved is False:
        sys.exit(1)
