"""Fixtures shared by every test directory."""

from __future__ import annotations

import shutil

import pytest

from jadechain.crypto import Algorithm, KeyPair
from jadechain.crypto.algorithms import SIGNATURE_ALGORITHMS
from jadechain.testing import LocalChain


@pytest.fixture(params=SIGNATURE_ALGORITHMS, ids=lambda a: a.info.name)
def signature_algorithm(request: pytest.FixtureRequest) -> Algorithm:
    algorithm: Algorithm = request.param
    return algorithm


@pytest.fixture
def keypair(signature_algorithm: Algorithm) -> KeyPair:
    return KeyPair.generate(signature_algorithm)


@pytest.fixture(scope="session")
def openssl() -> str:
    """Path of the openssl command line; the interop tests fail (never skip) without it."""
    path = shutil.which("openssl")
    assert path, "the openssl command line is required (Debian package openssl)"
    return path


@pytest.fixture
def chain() -> LocalChain:
    """A fresh in-memory ledger with an admin key (see jadechain.testing)."""
    return LocalChain()
