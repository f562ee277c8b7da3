"""ctypes declarations for the part of the system OpenSSL 3 libcrypto that SM2 uses.

Every function gets explicit `argtypes` and `restype`: ctypes otherwise assumes C `int`, which
truncates 64-bit pointers and corrupts memory silently. Pointers are `c_void_p`, sizes `c_size_t`.
The library is loaded lazily, once, and only accepted if it is OpenSSL 3 and can make SM2 keys.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from typing import Any, Final

from jadechain.crypto.errors import ProviderUnavailableError

_P = ctypes.c_void_p
_INT = ctypes.c_int
_LONG = ctypes.c_long
_SIZE = ctypes.c_size_t
_STR = ctypes.c_char_p

# Constants from the OpenSSL 3 headers (evp.h, obj_mac.h, bio.h, ec.h).
EVP_PKEY_PUBLIC_KEY: Final = 0x86
EVP_PKEY_KEYPAIR: Final = 0x87
EVP_MD_CTX_FLAG_FINALISE: Final = 0x0200
NID_SM2: Final = 1172
BIO_CTRL_INFO: Final = 3
POINT_CONVERSION_UNCOMPRESSED: Final = 4

_MIN_VERSION: Final = 0x30000000

# name -> (restype, argtypes)
_SIGNATURES: Final[dict[str, tuple[Any, tuple[Any, ...]]]] = {
    "OpenSSL_version_num": (ctypes.c_ulong, ()),
    "ERR_clear_error": (None, ()),
    "ERR_peek_error": (ctypes.c_ulong, ()),
    # keys and key contexts
    "EVP_PKEY_CTX_new_from_name": (_P, (_P, _STR, _STR)),
    "EVP_PKEY_CTX_new": (_P, (_P, _P)),
    "EVP_PKEY_CTX_free": (None, (_P,)),
    "EVP_PKEY_keygen_init": (_INT, (_P,)),
    "EVP_PKEY_generate": (_INT, (_P, _P)),
    "EVP_PKEY_fromdata_init": (_INT, (_P,)),
    "EVP_PKEY_fromdata": (_INT, (_P, _P, _INT, _P)),
    "EVP_PKEY_free": (None, (_P,)),
    "EVP_PKEY_get_bn_param": (_INT, (_P, _STR, _P)),
    "EVP_PKEY_get_utf8_string_param": (_INT, (_P, _STR, _P, _SIZE, _P)),
    # big numbers and parameter building
    "BN_secure_new": (_P, ()),
    "BN_bin2bn": (_P, (_P, _INT, _P)),
    "BN_bn2binpad": (_INT, (_P, _P, _INT)),
    "BN_clear_free": (None, (_P,)),
    "OSSL_PARAM_BLD_new": (_P, ()),
    "OSSL_PARAM_BLD_push_utf8_string": (_INT, (_P, _STR, _STR, _SIZE)),
    "OSSL_PARAM_BLD_push_BN": (_INT, (_P, _STR, _P)),
    "OSSL_PARAM_BLD_push_octet_string": (_INT, (_P, _STR, _P, _SIZE)),
    "OSSL_PARAM_BLD_to_param": (_P, (_P,)),
    "OSSL_PARAM_BLD_free": (None, (_P,)),
    "OSSL_PARAM_free": (None, (_P,)),
    # EC arithmetic: only to derive the public point from a bare private scalar
    "EC_GROUP_new_by_curve_name": (_P, (_INT,)),
    "EC_GROUP_free": (None, (_P,)),
    "EC_POINT_new": (_P, (_P,)),
    "EC_POINT_clear_free": (None, (_P,)),
    "EC_POINT_mul": (_INT, (_P, _P, _P, _P, _P, _P)),
    "EC_POINT_point2oct": (_SIZE, (_P, _P, _INT, _P, _SIZE, _P)),
    # SM3-with-SM2 signatures
    "EVP_sm3": (_P, ()),
    "EVP_MD_CTX_new": (_P, ()),
    "EVP_MD_CTX_free": (None, (_P,)),
    "EVP_MD_CTX_set_flags": (None, (_P, _INT)),
    "EVP_MD_CTX_set_pkey_ctx": (None, (_P, _P)),
    "EVP_PKEY_CTX_set1_id": (_INT, (_P, _P, _INT)),
    "EVP_DigestSignInit": (_INT, (_P, _P, _P, _P, _P)),
    "EVP_DigestSign": (_INT, (_P, _P, _P, _P, _SIZE)),
    "EVP_DigestVerifyInit": (_INT, (_P, _P, _P, _P, _P)),
    "EVP_DigestVerify": (_INT, (_P, _P, _SIZE, _P, _SIZE)),
    # SM2 public-key encryption
    "EVP_PKEY_encrypt_init": (_INT, (_P,)),
    "EVP_PKEY_encrypt": (_INT, (_P, _P, _P, _P, _SIZE)),
    "EVP_PKEY_decrypt_init": (_INT, (_P,)),
    "EVP_PKEY_decrypt": (_INT, (_P, _P, _P, _P, _SIZE)),
    # serialisation
    "i2d_PUBKEY": (_INT, (_P, _P)),
    "d2i_PUBKEY": (_P, (_P, _P, _LONG)),
    "BIO_s_secmem": (_P, ()),
    "BIO_new": (_P, (_P,)),
    "BIO_free": (_INT, (_P,)),
    "BIO_ctrl": (_LONG, (_P, _INT, _LONG, _P)),
    "PEM_write_bio_PrivateKey": (_INT, (_P, _P, _P, _P, _INT, _P, _P)),
}

_UNAVAILABLE: Final = "SM2 needs the system OpenSSL 3 libcrypto (Debian package libssl3)"


class LibCrypto:
    """The loaded library plus the few constant pointers worth fetching once."""

    def __init__(self, cdll: ctypes.CDLL) -> None:
        self.c = cdll
        # EVP_sm3() returns a static legacy descriptor; asking once saves a foreign call per op.
        self.sm3: int = cdll.EVP_sm3()


_lock = threading.Lock()
_loaded: LibCrypto | None = None
_failure: str | None = None


def _declare(cdll: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(cdll, name)  # AttributeError if the symbol is missing
        fn.restype = restype
        fn.argtypes = argtypes


def _sm2_usable(cdll: ctypes.CDLL) -> bool:
    # A build without SM2 (e.g. no-sm2, or a FIPS-only default provider) still loads fine;
    # making a key-generation context is the cheapest proof that SM2 keys really work.
    ctx = cdll.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    if not ctx:
        cdll.ERR_clear_error()
        return False
    cdll.EVP_PKEY_CTX_free(ctx)
    return bool(cdll.EVP_sm3())


def _open() -> LibCrypto:
    path = ctypes.util.find_library("crypto") or "libcrypto.so.3"
    try:
        cdll = ctypes.CDLL(path)
        version = cdll.OpenSSL_version_num
        version.restype, version.argtypes = ctypes.c_ulong, ()
        number = int(version())
    except (OSError, AttributeError) as exc:
        raise ProviderUnavailableError(f"{_UNAVAILABLE}; could not load {path}: {exc}") from None
    if number < _MIN_VERSION:
        raise ProviderUnavailableError(f"{_UNAVAILABLE}; {path} is version {number:#x}")
    try:
        _declare(cdll)
    except AttributeError as exc:
        raise ProviderUnavailableError(f"{_UNAVAILABLE}; {path} lacks a symbol: {exc}") from None
    if not _sm2_usable(cdll):
        raise ProviderUnavailableError(f"{_UNAVAILABLE}; {path} cannot create SM2 keys")
    return LibCrypto(cdll)


def load() -> LibCrypto:
    """The loaded libcrypto, or ProviderUnavailableError (the outcome is decided once)."""
    global _loaded, _failure  # noqa: PLW0603 - a process-wide, load-once handle
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None and _failure is None:
            try:
                _loaded = _open()
            except ProviderUnavailableError as exc:
                _failure = str(exc)
        if _loaded is None:
            raise ProviderUnavailableError(_failure)
        return _loaded
