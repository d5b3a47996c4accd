"""S3-compatible storage: SigV4 matches AWS's published example, and the backend stores, sizes,
reads byte ranges and deletes through a bucket (an in-test S3 that checks every signature)."""

from __future__ import annotations

import re

import httpx
import pytest

from anxin.content import s3
from anxin.content.s3 import S3Storage

ACCESS, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_signature_matches_the_aws_example() -> None:
    # "GET Object" in AWS's Signature Version 4 documentation (a range of test.txt).
    header = s3.authorization(
        method="GET",
        url="https://examplebucket.s3.amazonaws.com/test.txt",
        headers={
            "Host": "examplebucket.s3.amazonaws.com",
            "Range": "bytes=0-9",
            "x-amz-content-sha256": s3.EMPTY_SHA256,
            "x-amz-date": "20130524T000000Z",
        },
        payload_sha256=s3.EMPTY_SHA256,
        access_key=ACCESS,
        secret_key=SECRET,
        region="us-east-1",
        amz_date="20130524T000000Z",
    )
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


class FakeBucket:
    """Just enough of S3 for the backend: PUT, HEAD, ranged GET, DELETE, signatures checked."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        signed = request.headers["authorization"]
        names = re.search(r"SignedHeaders=([^,]+)", signed)
        assert names
        headers = {name: request.headers[name] for name in names.group(1).split(";")}
        expected = s3.authorization(
            method=request.method,
            url=str(request.url),
            headers=headers,
            payload_sha256=request.headers["x-amz-content-sha256"],
            access_key=ACCESS,
            secret_key=SECRET,
            region="cn-north-1",
            amz_date=request.headers["x-amz-date"],
        )
        if expected != signed:
            return httpx.Response(403)
        key = request.url.path.split("/", 2)[2]
        if request.method == "PUT":
            self.objects[key] = request.content
            return httpx.Response(200)
        if key not in self.objects:
            return httpx.Response(404)
        data = self.objects[key]
        if request.method == "HEAD":
            return httpx.Response(200, headers={"content-length": str(len(data))})
        if request.method == "DELETE":
            del self.objects[key]
            return httpx.Response(204)
        start, end = (int(x) for x in request.headers["range"].removeprefix("bytes=").split("-"))
        return httpx.Response(206, content=data[start : end + 1])


def test_the_backend_round_trip() -> None:
    bucket = FakeBucket()
    store = S3Storage(
        endpoint="http://objects.test",
        bucket="audio",
        region="cn-north-1",
        access_key=ACCESS,
        secret_key=SECRET,
        client=httpx.Client(transport=httpx.MockTransport(bucket)),
    )
    key = store.put(b"RIFF....WAVEfmt ")
    assert len(key) >= 20 and bucket.objects[key] == b"RIFF....WAVEfmt "
    assert store.size(key) == 16
    assert store.read(key, 8, 11) == b"WAVE"
    store.delete(key)
    store.delete(key)  # already gone
    with pytest.raises(FileNotFoundError):
        store.size(key)
    wrong = S3Storage(
        endpoint="http://objects.test",
        bucket="audio",
        region="cn-north-1",
        access_key=ACCESS,
        secret_key="not-the-secret",
        client=httpx.Client(transport=httpx.MockTransport(bucket)),
    )
    with pytest.raises(httpx.HTTPStatusError):
        wrong.put(b"x")


def test_configured_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert S3Storage.from_environment() is None
    for name, value in {
        "ENDPOINT": "http://minio:9000",
        "BUCKET": "b",
        "REGION": "r",
        "ACCESS_KEY": "a",
        "SECRET_KEY": "s",
    }.items():
        monkeypatch.setenv(s3.ENV_PREFIX + name, value)
    configured = S3Storage.from_environment()
    assert configured is not None and configured.bucket == "b"
