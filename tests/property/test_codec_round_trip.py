"""Property tests: every record round-trips through both forms and is canonical."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jadechain import codec
from jadechain.codec import Record
from jadechain.crypto import Algorithm, Digest


class Sample(Record, frozen=True):
    name: str
    amount: int
    payload: bytes
    flag: bool
    tags: list[str]
    scores: dict[str, int]
    digest: Digest
    parent: Digest | None = None


int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
digests = st.builds(
    Digest,
    st.sampled_from([Algorithm.SHA256, Algorithm.SM3]),
    st.binary(min_size=32, max_size=32),
)
samples = st.builds(
    Sample,
    name=st.text(max_size=40),
    amount=int64,
    payload=st.binary(max_size=200),
    flag=st.booleans(),
    tags=st.lists(st.text(max_size=10), max_size=5),
    scores=st.dictionaries(st.text(max_size=10), int64, max_size=5),
    digest=digests,
    parent=st.none() | digests,
)


@given(samples)
def test_binary_round_trip_is_canonical(sample: Sample) -> None:
    data = codec.encode(sample)
    assert codec.decode_canonical(data, Sample) == sample


@given(samples)
def test_json_round_trip(sample: Sample) -> None:
    assert codec.from_json(codec.to_json(sample), Sample) == sample


@given(samples, samples)
def test_distinct_values_have_distinct_encodings(first: Sample, second: Sample) -> None:
    assert (codec.encode(first) == codec.encode(second)) == (first == second)
