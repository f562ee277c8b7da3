"""The benchmark contracts (`transfer.py`, `smallbank.py`): sandboxed contract sources read as
package data and deployed by the `transfer` and `smallbank` workloads of `jadechain bench run`."""

from __future__ import annotations

from importlib import resources


def source(name: str) -> str:
    """The source text of the benchmark contract `name` ("transfer" or "smallbank")."""
    return resources.files(__name__).joinpath(f"{name}.py").read_text(encoding="utf-8")
