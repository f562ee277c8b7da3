"""SM2 signatures (GB/T 32918, SM3 with Z_A) and SM2 encryption through the system OpenSSL 3.

A low-level binding on raw byte forms only: private keys are the 32-byte scalar d, public keys the
65-byte uncompressed point, signatures the 64-byte r || s. Parsed keys are kept in bounded LRU
caches: importing a public key costs about a sixth of a verification, and a private key (which
needs d·G) about as much as a signature.

Threads: ctypes releases the GIL during each foreign call, so signing and verifying scale across a
thread pool. A cached EVP_PKEY is only ever read (OpenSSL 3 allows that concurrently); every
operation gets its own EVP_MD_CTX / EVP_PKEY_CTX.
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from jadechain.crypto import _libcrypto as native
from jadechain.crypto.errors import (
    CryptoError,
    DecryptionError,
    MalformedKeyError,
    MalformedSignatureError,
    ProviderUnavailableError,
)

SM2_DEFAULT_ID: Final = b"1234567812345678"
SM2_PRIVATE_KEY_BYTES: Final = 32
SM2_PUBLIC_KEY_BYTES: Final = 65
SM2_SIGNATURE_BYTES: Final = 64

# The recommended curve of GB/T 32918.5: y^2 = x^3 + a x + b over F_p, group order n.
_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A: Final = _P - 3
_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

# Z_A hashes ENTL, the ID length in bits, as 16 bits.
_MAX_ID_BYTES: Final = 0xFFFF // 8
# DER ECDSA-Sig-Value of two 256-bit integers is at most 72 bytes.
_MAX_DER_SIGNATURE: Final = 72
_CACHE_CAPACITY: Final = 4096


def available() -> bool:
    """True when the system libcrypto is OpenSSL 3 and can do SM2."""
    try:
        native.load()
    except ProviderUnavailableError:
        return False
    return True


# --- key cache -----------------------------------------------------------------------------------


class _Key:
    """An owned EVP_PKEY and its public point.

    It is freed by Python reference counting, not by the cache: a thread that took the key from
    the cache keeps it alive even if another thread evicts it meanwhile, so eviction can never
    free a key under a call in flight, and no native up_ref/free pair is paid per operation.
    """

    __slots__ = ("_free", "ptr", "public")

    def __init__(self, lib: native.LibCrypto, ptr: int, public: bytes) -> None:
        self._free: Callable[[int], None] = lib.c.EVP_PKEY_free
        self.ptr = ptr
        self.public = public

    def __del__(self) -> None:
        self._free(self.ptr)


class _KeyCache:
    """A thread-safe LRU of parsed keys, keyed by their raw bytes."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[bytes, _Key] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, raw: bytes) -> _Key | None:
        with self._lock:
            key = self._items.get(raw)
            if key is not None:
                self._items.move_to_end(raw)
            return key

    def put(self, raw: bytes, key: _Key) -> _Key:
        """Store `key` and return the cached entry (another thread may have stored one first)."""
        evicted: list[_Key] = []
        with self._lock:
            existing = self._items.get(raw)
            if existing is not None:
                self._items.move_to_end(raw)
                return existing
            self._items[raw] = key
            while len(self._items) > self.capacity:
                evicted.append(self._items.popitem(last=False)[1])
        # `evicted` dies here, outside the lock, so native frees never block other threads.
        return key

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_PUBLIC_KEYS: Final = _KeyCache(_CACHE_CAPACITY)
_PRIVATE_KEYS: Final = _KeyCache(_CACHE_CAPACITY)


def _cache_sizes() -> tuple[int, int]:
    """(public, private) entries currently cached; for tests and diagnostics."""
    return len(_PUBLIC_KEYS), len(_PRIVATE_KEYS)


# --- validation ----------------------------------------------------------------------------------


def _failed(lib: native.LibCrypto, error: CryptoError) -> CryptoError:
    """Drop OpenSSL's queued errors (they are per thread and would grow) and hand back `error`."""
    lib.c.ERR_clear_error()
    return error


def _check_private(private: bytes) -> None:
    if len(private) != SM2_PRIVATE_KEY_BYTES:
        raise MalformedKeyError(
            f"SM2 private key must be {SM2_PRIVATE_KEY_BYTES} bytes, got {len(private)}"
        )
    # GB/T 32918 takes d from [1, n-2]: signing inverts 1 + d, which is zero for d = n-1.
    if not 1 <= int.from_bytes(private, "big") <= _N - 2:
        raise MalformedKeyError("SM2 private key must be an integer in [1, n-2]")


def sm2_check_public(public: bytes) -> None:
    """Raise MalformedKeyError unless `public` is an uncompressed point on the SM2 curve."""
    native.load()  # like every entry point: a missing libcrypto is reported first, and clearly
    if len(public) != SM2_PUBLIC_KEY_BYTES:
        raise MalformedKeyError(
            f"SM2 public key must be {SM2_PUBLIC_KEY_BYTES} bytes (04 || X || Y), got {len(public)}"
        )
    if public[0] != 0x04:
        raise MalformedKeyError(f"SM2 public key must start with 0x04, got {public[0]:#04x}")
    x = int.from_bytes(public[1:33], "big")
    y = int.from_bytes(public[33:], "big")
    if x >= _P or y >= _P or (y * y - (x * x * x + _A * x + _B)) % _P != 0:
        raise MalformedKeyError("SM2 public key is not a point on the SM2 curve")


def _check_ident(ident: bytes) -> None:
    if len(ident) > _MAX_ID_BYTES:
        raise CryptoError(f"SM2 distinguishing ID must be at most {_MAX_ID_BYTES} bytes")


# --- key import and export -----------------------------------------------------------------------


def _secure_bn(lib: native.LibCrypto, raw: bytes) -> int:
    # Secure BIGNUMs are cleared when freed and make OSSL_PARAM_BLD keep the scalar in cleared
    # memory too, so the private key leaves fewer copies behind in the C heap.
    bn: int | None = lib.c.BN_secure_new()
    if not bn or not lib.c.BN_bin2bn(raw, len(raw), bn):
        lib.c.BN_clear_free(bn)
        raise _failed(lib, CryptoError("OpenSSL could not allocate a BIGNUM"))
    return bn


def _derive_public(lib: native.LibCrypto, private: bytes) -> bytes:
    """d·G as 65 uncompressed bytes (OpenSSL 3.0 does not derive it on import)."""
    c = lib.c
    group: int | None = c.EC_GROUP_new_by_curve_name(native.NID_SM2)
    point: int | None = c.EC_POINT_new(group) if group else None
    scalar: int | None = None
    try:
        scalar = _secure_bn(lib, private)
        out = ctypes.create_string_buffer(SM2_PUBLIC_KEY_BYTES)
        conv = native.POINT_CONVERSION_UNCOMPRESSED
        if (
            not point
            or c.EC_POINT_mul(group, point, scalar, None, None, None) != 1
            or c.EC_POINT_point2oct(group, point, conv, out, len(out), None) != len(out)
        ):
            raise _failed(lib, CryptoError("OpenSSL could not derive the SM2 public key"))
        return out.raw
    finally:
        c.BN_clear_free(scalar)
        c.EC_POINT_clear_free(point)
        c.EC_GROUP_free(group)


def _fromdata(lib: native.LibCrypto, public: bytes, private: bytes | None) -> int:
    """Build an SM2 EVP_PKEY from validated raw key bytes."""
    c = lib.c
    bld: int | None = c.OSSL_PARAM_BLD_new()
    scalar: int | None = None
    params: int | None = None
    pctx: int | None = None
    try:
        scalar = _secure_bn(lib, private) if private is not None else None
        ok = (
            bool(bld)
            and c.OSSL_PARAM_BLD_push_utf8_string(bld, b"group", b"SM2", 0) == 1
            and c.OSSL_PARAM_BLD_push_octet_string(bld, b"pub", public, len(public)) == 1
            and (scalar is None or c.OSSL_PARAM_BLD_push_BN(bld, b"priv", scalar) == 1)
        )
        params = c.OSSL_PARAM_BLD_to_param(bld) if ok else None
        pctx = c.EVP_PKEY_CTX_new_from_name(None, b"SM2", None) if params else None
        selection = native.EVP_PKEY_PUBLIC_KEY if scalar is None else native.EVP_PKEY_KEYPAIR
        pkey = ctypes.c_void_p()
        if (
            not pctx
            or c.EVP_PKEY_fromdata_init(pctx) != 1
            or c.EVP_PKEY_fromdata(pctx, ctypes.byref(pkey), selection, params) != 1
            or not pkey.value
        ):
            raise _failed(lib, MalformedKeyError("OpenSSL rejected the SM2 key"))
        return pkey.value
    finally:
        c.EVP_PKEY_CTX_free(pctx)
        c.OSSL_PARAM_free(params)
        c.BN_clear_free(scalar)
        c.OSSL_PARAM_BLD_free(bld)


def _public_key(public: bytes) -> tuple[native.LibCrypto, _Key]:
    lib = native.load()
    key = _PUBLIC_KEYS.get(public)
    if key is None:
        sm2_check_public(public)
        public = bytes(public)  # cache keys must be immutable
        key = _PUBLIC_KEYS.put(public, _Key(lib, _fromdata(lib, public, None), public))
    return lib, key


def _private_key(private: bytes) -> tuple[native.LibCrypto, _Key]:
    lib = native.load()
    key = _PRIVATE_KEYS.get(private)
    if key is None:
        _check_private(private)
        private = bytes(private)
        public = _derive_public(lib, private)
        key = _PRIVATE_KEYS.put(private, _Key(lib, _fromdata(lib, public, private), public))
    return lib, key


def _bn_param(lib: native.LibCrypto, pkey: int, name: bytes) -> bytes:
    """A BIGNUM key parameter as 32 big-endian bytes."""
    bn = ctypes.c_void_p()
    if lib.c.EVP_PKEY_get_bn_param(pkey, name, ctypes.byref(bn)) != 1:
        raise _failed(lib, CryptoError(f"OpenSSL could not export SM2 key parameter {name!r}"))
    try:
        out = ctypes.create_string_buffer(32)
        if lib.c.BN_bn2binpad(bn, out, len(out)) != len(out):
            raise _failed(lib, CryptoError(f"SM2 key parameter {name!r} exceeds 32 bytes"))
        return out.raw
    finally:
        lib.c.BN_clear_free(bn)


def _export_public(lib: native.LibCrypto, pkey: int) -> bytes:
    # qx/qy rather than "pub": "pub" keeps the encoding the key came in, which may be compressed.
    return b"\x04" + _bn_param(lib, pkey, b"qx") + _bn_param(lib, pkey, b"qy")


def sm2_generate() -> tuple[bytes, bytes]:
    """A fresh key pair: (private d, 32 bytes; public point, 65 bytes)."""
    lib = native.load()
    c = lib.c
    pctx: int | None = c.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    pkey = ctypes.c_void_p()
    try:
        if (
            not pctx
            or c.EVP_PKEY_keygen_init(pctx) != 1
            or c.EVP_PKEY_generate(pctx, ctypes.byref(pkey)) != 1
            or not pkey.value
        ):
            raise _failed(lib, CryptoError("OpenSSL could not generate an SM2 key"))
    finally:
        c.EVP_PKEY_CTX_free(pctx)
    key = _Key(lib, pkey.value, b"")  # owns the EVP_PKEY from here on, also if export fails
    private = _bn_param(lib, key.ptr, b"priv")
    key.public = _export_public(lib, key.ptr)
    # Keep the new EVP_PKEY in the cache: the usual next step is to sign with it.
    _PRIVATE_KEYS.put(private, key)
    return private, key.public


def sm2_public_from_private(private: bytes) -> bytes:
    """The 65-byte public point d·G of a 32-byte private key."""
    return _private_key(private)[1].public


# --- signatures ----------------------------------------------------------------------------------


@contextmanager
def _sm3_context(lib: native.LibCrypto, key: _Key, ident: bytes, sign: bool) -> Iterator[int]:
    """An EVP_MD_CTX initialised for SM2-with-SM3 under the distinguishing ID `ident`."""
    _check_ident(ident)
    c = lib.c
    mctx: int | None = c.EVP_MD_CTX_new()
    pctx: int | None = c.EVP_PKEY_CTX_new(key.ptr, None)
    init = c.EVP_DigestSignInit if sign else c.EVP_DigestVerifyInit
    try:
        # The ID goes on our own EVP_PKEY_CTX before init; OpenSSL 3 applies it when it builds
        # the signature context. Without it OpenSSL 3.0 hashes an *empty* ID, not the default.
        if not mctx or not pctx or c.EVP_PKEY_CTX_set1_id(pctx, ident, len(ident)) != 1:
            raise _failed(lib, CryptoError("OpenSSL could not set up an SM2 context"))
        c.EVP_MD_CTX_set_pkey_ctx(mctx, pctx)
        # One-shot use: without FINALISE, OpenSSL duplicates the signature context to finish.
        c.EVP_MD_CTX_set_flags(mctx, native.EVP_MD_CTX_FLAG_FINALISE)
        if init(mctx, None, lib.sm3, None, key.ptr) != 1:
            raise _failed(lib, CryptoError("OpenSSL could not start an SM2 operation"))
        yield mctx
    finally:
        # The MD context does not own a context given by EVP_MD_CTX_set_pkey_ctx: free both.
        c.EVP_MD_CTX_free(mctx)
        c.EVP_PKEY_CTX_free(pctx)


def sm2_sign(private: bytes, message: bytes, ident: bytes = SM2_DEFAULT_ID) -> bytes:
    """Sign `message` (SM3 over Z_A || message): 64 bytes r || s."""
    lib, key = _private_key(private)
    der = ctypes.create_string_buffer(_MAX_DER_SIGNATURE)
    size = ctypes.c_size_t(len(der))
    with _sm3_context(lib, key, ident, sign=True) as mctx:
        ok = lib.c.EVP_DigestSign(mctx, der, ctypes.byref(size), message, len(message))
    if ok != 1:
        raise _failed(lib, CryptoError("OpenSSL failed to make an SM2 signature"))
    return sm2_signature_from_der(der.raw[: size.value])


def sm2_verify(
    public: bytes, message: bytes, signature: bytes, ident: bytes = SM2_DEFAULT_ID
) -> bool:
    """True if `signature` (64 bytes r || s) is valid for `message` under `public` and `ident`."""
    der = sm2_signature_to_der(signature)
    lib, key = _public_key(public)
    with _sm3_context(lib, key, ident, sign=False) as mctx:
        ok = lib.c.EVP_DigestVerify(mctx, der, len(der), message, len(message))
    if ok != 1:
        # 0 is "does not verify"; negative (e.g. r or s out of range) is no better for a caller.
        lib.c.ERR_clear_error()
        return False
    return True


# --- encryption ----------------------------------------------------------------------------------


def _pkey_crypt(lib: native.LibCrypto, key: _Key, data: bytes, encrypt: bool) -> bytes | None:
    """EVP_PKEY_encrypt/decrypt: ask for the output size, then run. None on any failure."""
    c = lib.c
    init, run = (
        (c.EVP_PKEY_encrypt_init, c.EVP_PKEY_encrypt)
        if encrypt
        else (c.EVP_PKEY_decrypt_init, c.EVP_PKEY_decrypt)
    )
    pctx: int | None = c.EVP_PKEY_CTX_new(key.ptr, None)
    try:
        size = ctypes.c_size_t()
        if not pctx or init(pctx) != 1 or run(pctx, None, ctypes.byref(size), data, len(data)) != 1:
            return None
        out = ctypes.create_string_buffer(size.value)
        if run(pctx, out, ctypes.byref(size), data, len(data)) != 1:
            return None
        return out.raw[: size.value]
    finally:
        c.EVP_PKEY_CTX_free(pctx)


def sm2_encrypt(public: bytes, plaintext: bytes) -> bytes:
    """SM2-encrypt (SM3 KDF and MAC) to OpenSSL's ASN.1 form SEQUENCE {x, y, C3, C2}."""
    if not plaintext:
        # OpenSSL 3.0 fails on empty input (with a misleading "malloc failure").
        raise CryptoError("SM2 encryption needs a non-empty plaintext")
    lib, key = _public_key(public)
    out = _pkey_crypt(lib, key, plaintext, encrypt=True)
    if out is None:
        raise _failed(lib, CryptoError("OpenSSL failed to SM2-encrypt"))
    return out


def sm2_decrypt(private: bytes, ciphertext: bytes) -> bytes:
    """Decrypt OpenSSL's SM2 ciphertext; DecryptionError if it is malformed or tampered."""
    lib, key = _private_key(private)
    out = _pkey_crypt(lib, key, ciphertext, encrypt=False)
    if out is None:
        raise _failed(lib, DecryptionError("SM2 ciphertext is malformed or fails its check"))
    return out


# --- DER and PEM ---------------------------------------------------------------------------------


def sm2_public_to_der(public: bytes) -> bytes:
    """SubjectPublicKeyInfo DER (id-ecPublicKey on curve SM2), as `openssl pkey` writes it."""
    lib, key = _public_key(public)
    size = int(lib.c.i2d_PUBKEY(key.ptr, None))
    out = ctypes.create_string_buffer(max(size, 1))
    cursor = ctypes.c_void_p(ctypes.addressof(out))  # i2d advances the pointer it is given
    if size <= 0 or lib.c.i2d_PUBKEY(key.ptr, ctypes.byref(cursor)) != size:
        raise _failed(lib, CryptoError("OpenSSL could not encode the SM2 public key"))
    return out.raw


def sm2_private_to_pem(private: bytes) -> bytes:
    """Unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") as `openssl genpkey -algorithm SM2` writes."""
    lib, key = _private_key(private)
    c = lib.c
    # A secure-memory BIO clears its buffer when freed; the PEM holds the private key.
    bio: int | None = c.BIO_new(c.BIO_s_secmem())
    try:
        written = bool(bio) and c.PEM_write_bio_PrivateKey(bio, key.ptr, None, None, 0, None, None)
        data = ctypes.c_void_p()
        size = int(c.BIO_ctrl(bio, native.BIO_CTRL_INFO, 0, ctypes.byref(data))) if written else 0
        if size <= 0 or not data.value:  # BIO_CTRL_INFO is what BIO_get_mem_data expands to
            raise _failed(lib, CryptoError("OpenSSL could not encode the SM2 private key"))
        return ctypes.string_at(data.value, size)
    finally:
        c.BIO_free(bio)


def _group_name(lib: native.LibCrypto, pkey: int) -> bytes:
    """The curve name of an EC key, or b"(none)" (e.g. a non-EC key or explicit parameters)."""
    out = ctypes.create_string_buffer(80)
    size = ctypes.c_size_t()
    get = lib.c.EVP_PKEY_get_utf8_string_param
    if get(pkey, b"group", out, len(out), ctypes.byref(size)) != 1:
        lib.c.ERR_clear_error()
        return b"(none)"
    return out.raw[: size.value]


def sm2_public_from_der(der: bytes) -> bytes:
    """The 65-byte point of a SubjectPublicKeyInfo DER holding an SM2 public key."""
    lib = native.load()
    src = ctypes.create_string_buffer(bytes(der), len(der))
    cursor = ctypes.c_void_p(ctypes.addressof(src))  # d2i advances it past what it parsed
    pkey: int | None = lib.c.d2i_PUBKEY(None, ctypes.byref(cursor), len(der))
    if not pkey:
        raise _failed(lib, MalformedKeyError("not a DER SubjectPublicKeyInfo"))
    try:
        if (cursor.value or 0) - ctypes.addressof(src) != len(der):
            raise MalformedKeyError("trailing bytes after the DER SubjectPublicKeyInfo")
        group = _group_name(lib, pkey)
        if group != b"SM2":
            raise MalformedKeyError(
                f"public key is on curve {group.decode(errors='replace')}, not SM2"
            )
        public = _export_public(lib, pkey)
    finally:
        lib.c.EVP_PKEY_free(pkey)
    sm2_check_public(public)
    return public


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    """(length, offset of the content) of the DER header whose length byte is at `at`."""
    if at >= len(data) or data[at] >= 0x80:
        # Everything in an SM2 signature is shorter than 128 bytes, so DER uses the short form.
        raise MalformedSignatureError("SM2 signature DER has a bad length")
    return data[at], at + 1


def _der_integer(data: bytes, at: int) -> tuple[int, int]:
    """(value, offset after it) of the non-negative DER INTEGER at `at`."""
    if at >= len(data) or data[at] != 0x02:
        raise MalformedSignatureError("SM2 signature DER lacks an INTEGER")
    length, start = _der_length(data, at + 1)
    body = data[start : start + length]
    if length == 0 or len(body) != length:
        raise MalformedSignatureError("SM2 signature DER has a truncated INTEGER")
    if body[0] & 0x80 or (length > 1 and body[0] == 0 and not body[1] & 0x80):
        raise MalformedSignatureError("SM2 signature DER INTEGER is negative or not minimal")
    value = int.from_bytes(body, "big")
    if value.bit_length() > 256:
        raise MalformedSignatureError("SM2 signature DER INTEGER exceeds 32 bytes")
    return value, start + length


def sm2_signature_from_der(der: bytes) -> bytes:
    """Strict DER ECDSA-Sig-Value SEQUENCE {r, s} -> 64 bytes r || s."""
    native.load()
    if not der or der[0] != 0x30:
        raise MalformedSignatureError("SM2 signature DER must start with a SEQUENCE")
    length, start = _der_length(der, 1)
    if start + length != len(der):
        raise MalformedSignatureError("SM2 signature DER length does not match its size")
    r, at = _der_integer(der, start)
    s, at = _der_integer(der, at)
    if at != len(der):
        raise MalformedSignatureError("SM2 signature DER has bytes after s")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _der_int_bytes(value: bytes) -> bytes:
    body = value.lstrip(b"\x00") or b"\x00"
    if body[0] & 0x80:
        body = b"\x00" + body  # keep it positive
    return b"\x02" + bytes([len(body)]) + body


def sm2_signature_to_der(sig: bytes) -> bytes:
    """64 bytes r || s -> DER ECDSA-Sig-Value (what OpenSSL signs and verifies)."""
    native.load()
    if len(sig) != SM2_SIGNATURE_BYTES:
        raise MalformedSignatureError(
            f"SM2 signature must be {SM2_SIGNATURE_BYTES} bytes (r || s), got {len(sig)}"
        )
    body = _der_int_bytes(sig[:32]) + _der_int_bytes(sig[32:])
    return b"\x30" + bytes([len(body)]) + body
