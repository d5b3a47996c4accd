"""S3-compatible storage (AWS S3, MinIO, Aliyun OSS, Tencent COS …) for uploaded audio, signed with
AWS Signature Version 4 over plain HTTP calls (httpx); path-style URLs ``<endpoint>/<bucket>/<key>``.

The bucket stays private: nothing is ever served from it directly. The media endpoint checks the
entitlement and then reads the byte range it needs (``Range: bytes=a-b``), exactly as with local disk.

Configured by environment variables (all needed): ``ANXIN_CONTENT_S3_ENDPOINT`` (e.g.
``https://s3.eu-central-1.amazonaws.com`` or ``http://minio:9000``), ``ANXIN_CONTENT_S3_BUCKET``,
``ANXIN_CONTENT_S3_REGION``, ``ANXIN_CONTENT_S3_ACCESS_KEY``, ``ANXIN_CONTENT_S3_SECRET_KEY``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ENV_PREFIX = "ANXIN_CONTENT_S3_"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def authorization(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key: str,
    secret_key: str,
    region: str,
    amz_date: str,
    service: str = "s3",
) -> str:
    """The ``Authorization`` header of SigV4 for a request whose ``headers`` (host, x-amz-date,
    x-amz-content-sha256, range …) are all signed."""
    parts = urlsplit(url)
    canonical_headers = {name.lower(): " ".join(value.strip().split()) for name, value in headers.items()}
    signed = ";".join(sorted(canonical_headers))
    query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, _, v in (pair.partition("=") for pair in parts.query.split("&") if pair)
        )
    )
    canonical_request = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            query,
            "".join(f"{name}:{canonical_headers[name]}\n" for name in sorted(canonical_headers)),
            signed,
            payload_sha256,
        ]
    )
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={signed},Signature={signature}"


class S3Storage:
    """The :class:`anxin.content.storage.Storage` interface on an S3-compatible bucket."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        client: httpx.Client | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.client = client or httpx.Client(timeout=30)

    @classmethod
    def from_environment(cls) -> S3Storage | None:
        names = ("ENDPOINT", "BUCKET", "REGION", "ACCESS_KEY", "SECRET_KEY")
        values = {name: os.environ.get(ENV_PREFIX + name, "") for name in names}
        if not all(values.values()):
            return None
        return cls(
            endpoint=values["ENDPOINT"],
            bucket=values["BUCKET"],
            region=values["REGION"],
            access_key=values["ACCESS_KEY"],
            secret_key=values["SECRET_KEY"],
        )

    def _request(
        self, method: str, key: str, *, body: bytes = b"", extra: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url = f"{self.endpoint}/{self.bucket}/{key}"
        amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = {
            "host": urlsplit(url).netloc,
            "x-amz-date": amz_date,
            "x-amz-content-sha256": payload,
            **(extra or {}),
        }
        headers["authorization"] = authorization(
            method=method,
            url=url,
            headers=headers,
            payload_sha256=payload,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            amz_date=amz_date,
        )
        response = self.client.request(method, url, headers=headers, content=body or None)
        if response.status_code == 404:
            raise FileNotFoundError(key)
        response.raise_for_status()
        return response

    def put(self, data: bytes) -> str:
        key = secrets.token_urlsafe(24)
        self._request("PUT", key, body=data, extra={"content-type": "application/octet-stream"})
        return key

    def size(self, key: str) -> int:
        return int(self._request("HEAD", key).headers["content-length"])

    def read(self, key: str, start: int, end: int) -> bytes:
        return self._request("GET", key, extra={"range": f"bytes={start}-{end}"}).content

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # already gone is fine
            self._request("DELETE", key)
