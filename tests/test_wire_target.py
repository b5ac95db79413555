"""The request target round-trips byte for byte on both transports (issue 15, item 1).

S3 object keys may hold any UTF-8 character (*Naming Amazon S3 objects*,
AmazonS3/latest/userguide/object-keys.html): ``?``, ``#``, ``%``, ``;``, ``/``... boto3 percent-encodes
them in the path and S3 decodes that path once. Over HTTP the sandbox used to rebuild the key from
WSGI's already-decoded ``PATH_INFO``, so ``report?v=1`` and ``report?v=2`` collided, ``e%41.txt``
became ``eA.txt`` and ``l;m.txt`` became ``l``. Each key here is written, read, HEAD-ed and listed,
and must come back exactly as written, in-process and over HTTP.
"""

from __future__ import annotations

import socket

import boto3
import pytest
from support import error_of

from labkit.wire.http import raw_target

KEYS = [
    "report?v=1", "report?v=2",          # a query-looking key: two objects, not one
    "photo#1.jpg", "photo#2.jpg",        # a fragment-looking key
    "e%41.txt", "eA.txt",                # a literal percent sign: no second decoding
    "j%2Fk.txt", "j/k.txt",              # an encoded slash stays a character of the key
    "l;m.txt", "l",                      # a path parameter-looking key
    "é.txt", "unicode-日本.txt", "emoji-😀.txt",
    "sp ace.txt", "plus+sign.txt",       # a space and a plus are different keys
    "a&b=c.txt", "semi;colon=1",
    "percent%.txt", "%25.txt",
    "tilde~.txt", "double//slash.txt", "brackets[1].txt", "quote'\".txt", "star*.txt",
]
BUCKET = "target-keys"


@pytest.fixture
def s3(aws):
    client = aws("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_every_key_round_trips_put_get_head_list(s3):
    for key in KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode("utf-8"))
    for key in KEYS:
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == key.encode("utf-8"), key
        assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == len(key.encode("utf-8")), key
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert sorted(listed) == sorted(KEYS)  # nothing collided, nothing was renamed
    listed_v1 = [o["Key"] for o in s3.list_objects(Bucket=BUCKET)["Contents"]]
    assert sorted(listed_v1) == sorted(KEYS)


def test_query_strings_round_trip_in_list_prefixes(s3):
    for key in KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    for prefix, expected in [("report?v=", {"report?v=1", "report?v=2"}), ("a&b", {"a&b=c.txt"}),
                             ("plus+", {"plus+sign.txt"}), ("sp ", {"sp ace.txt"}), ("e%4", {"e%41.txt"}),
                             ("j%2F", {"j%2Fk.txt"}), ("j/", {"j/k.txt"}), ("é", {"é.txt"})]:
        got = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])}
        assert got == expected, prefix


def test_subresource_on_a_key_is_the_subresource(s3):
    """``PUT /bucket/x?acl`` sets the ACL of ``x`` (it used to answer NoSuchKey over HTTP)."""
    s3.put_object(Bucket=BUCKET, Key="x", Body=b"x")
    s3.put_object_acl(Bucket=BUCKET, Key="x", ACL="public-read")
    grants = s3.get_object_acl(Bucket=BUCKET, Key="x")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") for g in grants)
    s3.put_object(Bucket=BUCKET, Key="x?acl", Body=b"a key, not a subresource")
    assert s3.get_object(Bucket=BUCKET, Key="x?acl")["Body"].read() == b"a key, not a subresource"
    assert s3.get_object(Bucket=BUCKET, Key="x")["Body"].read() == b"x"


def test_copy_and_delete_keep_the_exact_key(s3):
    s3.put_object(Bucket=BUCKET, Key="e%41.txt", Body=b"percent")
    s3.copy_object(Bucket=BUCKET, Key="copy of e%41.txt", CopySource={"Bucket": BUCKET, "Key": "e%41.txt"})
    assert s3.get_object(Bucket=BUCKET, Key="copy of e%41.txt")["Body"].read() == b"percent"
    s3.delete_object(Bucket=BUCKET, Key="e%41.txt")
    assert error_of(s3.get_object, Bucket=BUCKET, Key="e%41.txt").code == "NoSuchKey"
    s3.put_object(Bucket=BUCKET, Key="eA.txt", Body=b"letter")
    assert s3.get_object(Bucket=BUCKET, Key="eA.txt")["Body"].read() == b"letter"


def test_a_wrong_signature_on_an_encoded_key_is_still_refused(tsb, aws):
    """Keeping the raw path must not loosen SigV4: the signer sees the path as sent, so a wrong
    secret still fails (and the right one, above, passes) for a %-encoded key."""
    s3 = aws("s3", aws_access_key_id=tsb.admin_credentials["AccessKeyId"], aws_secret_access_key="wrong" * 8)
    assert error_of(s3.put_object, Bucket=BUCKET, Key="e%41.txt", Body=b"x").code in ("SignatureDoesNotMatch", "NoSuchBucket")


def test_rest_path_of_another_service_round_trips(aws):
    """A REST-JSON service (cognito-sync) signed with SigV4Auth, whose canonical URI is encoded once
    more than the path: the raw path verifies there too."""
    ci = aws("cognito-identity")
    pool = ci.create_identity_pool(IdentityPoolName="Target", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    identity = ci.get_id(IdentityPoolId=pool)["IdentityId"]  # "us-east-1:<uuid>": the ":" is encoded in the path
    sync = aws("cognito-sync")
    assert sync.list_datasets(IdentityPoolId=pool, IdentityId=identity)["Datasets"] == []
    assert sync.describe_identity_usage(IdentityPoolId=pool, IdentityId=identity)["IdentityUsage"]["IdentityId"] == identity


@pytest.mark.parametrize("environ, target", [
    ({"RAW_URI": "/b/e%2541.txt?x=1", "PATH_INFO": "/b/eA.txt"}, "/b/e%2541.txt?x=1"),
    ({"REQUEST_URI": "/b/j%2Fk.txt", "PATH_INFO": "/b/j/k.txt"}, "/b/j%2Fk.txt"),
    ({"RAW_URI": "http://127.0.0.1:5000/b/k?acl"}, "/b/k?acl"),
    ({"RAW_URI": "http://127.0.0.1:5000?x"}, "/?x"),
    ({"RAW_URI": "/b/\xc3\xa9.txt"}, "/b/%C3%A9.txt"),  # raw UTF-8 bytes, as WSGI's latin-1 str
    ({"PATH_INFO": "/b/sp ace", "QUERY_STRING": "a=1"}, "/b/sp%20ace?a=1"),
])
def test_raw_target_is_the_target_as_sent(environ, target):
    assert raw_target(environ) == target


def test_raw_bytes_over_a_socket_reach_s3_as_sent(served_sb):
    """A client that is not botocore: the same key, put by boto3 and fetched by a hand-written
    HTTP/1.1 request whose target is percent-encoded as sent (anonymous read of a public object)."""
    s3 = boto3.client("s3", endpoint_url=served_sb.endpoint_url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="e%41.txt", Body=b"percent", ACL="public-read")
    s3.put_object(Bucket=BUCKET, Key="eA.txt", Body=b"letter", ACL="public-read")
    port = int(served_sb.endpoint_url.rsplit(":", 1)[1])
    for target, body in [(f"/{BUCKET}/e%2541.txt", b"percent"), (f"/{BUCKET}/e%41.txt", b"letter")]:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200"), data[:200]
        assert data.endswith(b"\r\n\r\n" + body), data[-100:]
