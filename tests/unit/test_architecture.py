"""The import contracts of pyproject.toml ([tool.importlinter]) hold: layers, a self-contained domain, features
below the adapters, a store beside everything, and no cycles between packages."""

from __future__ import annotations

import tomllib

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

from tests.support.paths import REPOSITORY

PYPROJECT = REPOSITORY / "pyproject.toml"
configuration.configure()  # what the lint-imports command does first: registers readers and adapters

CONTRACTS = [contract["id"] for contract in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]]


def test_the_contracts_cover_the_target_shape() -> None:
    assert set(CONTRACTS) == {"layers", "domain-alone", "features-below-adapters", "store-beside", "acyclic"}


@pytest.mark.parametrize("contract", CONTRACTS)
def test_contract_is_kept(contract: str) -> None:
    # The report (which imports break it, through which chain) is printed; pytest shows it on failure.
    assert lint_imports(str(PYPROJECT), limit_to_contracts=(contract,), cache_dir=None, no_logo=True)
