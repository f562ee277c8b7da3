"""Errors raised by the crypto package.

Every failure caused by input (a truncated key, an unknown algorithm code, a malformed signature, a
wrong password) is a `CryptoError` with a one-line message that names the problem; callers at the
edges (CLI, REST, peer messages) turn it into a clear answer and never crash on it.
"""


class CryptoError(ValueError):
    """Base class for every error caused by bad crypto input."""


class UnknownAlgorithmError(CryptoError):
    """An algorithm code or name that the registry does not know."""


class MalformedKeyError(CryptoError):
    """Key bytes that are truncated, the wrong length, or not a point on the curve."""


class MalformedSignatureError(CryptoError):
    """Signature bytes of the wrong length or encoding."""


class MalformedDigestError(CryptoError):
    """Digest bytes of the wrong length for their algorithm."""


class WrongPasswordError(CryptoError):
    """An encrypted key file that does not open with the password given."""


class DecryptionError(CryptoError):
    """Ciphertext that fails authentication or is malformed."""


class ProviderUnavailableError(CryptoError):
    """A provider whose native library is missing on this machine (e.g. OpenSSL 3 for SM2)."""
