"""A network's layers as its record declares them: what the loop, fast and compiled tiers are
written from.

registry.toml's `network` names the hidden activations, the output and the loss; the
parameters' names (init_params's, in its order) give the layers: weights W.., each with its
bias b.. where there is one. No tier holds anything of one network's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.kata import registry

HIDDEN = ("sigmoid", "tanh", "relu")
OUTPUTS = (  # the output and the loss; for each, dL/dZ of the last layer is p - y
    ("sigmoid", "cross_entropy"),
    ("identity", "half_squared_error"),
    ("softmax", "cross_entropy"),
)


class NoKernel(Exception):  # noqa: N818
    """The record declares a layer or loss no tier is written for."""


@dataclass(frozen=True)
class Layers:
    weights: tuple[str, ...]  # W1, W2, …: layer i's weights
    biases: tuple[str | None, ...]  # layer i's bias, or None
    hidden: tuple[str, ...]  # the activation after every layer but the last
    output: str  # sigmoid, identity or softmax
    labels: bool  # Y holds a label per row (softmax), not a target per output

    @property
    def mean_over(self) -> str:
        """What the loss's mean divides by: the rows (labels) or every entry of Y."""
        return "len(Y)" if self.labels else "Y.size"


def of(ex: str, names: list[str] | tuple[str, ...]) -> Layers:
    """The layers of network `ex` with parameters `names` (NoKernel where none is written)."""
    network = registry.BY_MARKER[ex].network
    weights = tuple(n for n in names if n.startswith("W"))
    if len(weights) != len(network.hidden) + 1:
        raise NoKernel(f"{len(network.hidden)} hidden activations for {len(weights)} weights")
    unknown = [h for h in network.hidden if h not in HIDDEN]
    output = (network.output, network.loss)
    if unknown or output not in OUTPUTS:
        raise NoKernel(f"no loop for {', '.join(unknown) or ' with '.join(output)}")
    biases = tuple("b" + W[1:] if "b" + W[1:] in names else None for W in weights)
    return Layers(weights, biases, tuple(network.hidden), network.output, output == OUTPUTS[2])
