"""Peak memory and throughput of the ingest Lambda's handler on an export with a >= 1 GB member.

Builds (streaming, on local disk) an export holding one HealthKitV2Samples member of the
requested size (the generator of bench/ingest_memory.py), uploads it to a moto server
(`moto_server` subprocess; boto3's managed multipart upload streams it from disk), then runs
`recover.aws.lambda_handler.handler` in a subprocess of its own with an SQS event carrying the
S3 notification, exactly as Lambda would call it (RECOVER_LAKE / RECOVER_NAMESPACE set, AWS
endpoint pointed at moto). Reports the handler process's peak RSS (its VmHWM, and the polled
RSS as a cross-check: bench/measure.py) and MB/s of member data. moto keeps objects in its own
process, which is not measured. Finally the raw object is streamed back and gunzipped to check
that it equals the member (MD5).

    .venv/bin/python bench/lambda_memory.py --size-gb 1.0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote_plus

import measure
import psutil
from ingest_memory import MEMBER, build_export  # bench/ is sys.path[0] when run as a script

MB = 1_000_000
INPUT, DATA, NS = "bench-input", "bench-data", "bench"
KEY = f"{NS}/adults_v1/2024-06-09T00:12:49Z_bench"
LIMIT_MB = 512

HANDLER = """
import json, sys
from recover.aws import lambda_handler
result = lambda_handler.handler(json.loads(sys.argv[1]), None)
print(json.dumps({"result": result}), flush=True)
"""


def start_moto(log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    moto = Path(sys.executable).with_name("moto_server")
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def aws_env(endpoint: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}


def sqs_event(bucket: str, key: str) -> dict:
    notification = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:CompleteMultipartUpload",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key, safe="/")}},
    }]}
    return {"Records": [{"messageId": "bench-1", "receiptHandle": "AQEB", "body": json.dumps(notification),
                         "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                         "awsRegion": "us-east-1"}]}


def run_handler(event: dict, env: dict[str, str], log: Path) -> dict:
    """The handler in a subprocess; its peak RSS as bench/measure.py samples it."""
    measured = measure.run([sys.executable, "-c", HANDLER, json.dumps(event)], log, env=env)
    output = measured.log.read_text(errors="replace")
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    results = [line["result"] for line in lines if "result" in line]
    if measured.returncode != 0 or not results or results[0]["batchItemFailures"]:
        raise SystemExit(f"handler failed:\n{output}")
    ingested = next(line for line in lines if line.get("outcome") == "ingested")
    return {"seconds": measured.seconds, "ingest_seconds": ingested["seconds"],
            "bytes": ingested["bytes"], "gzip_bytes": ingested["gzip_bytes"],
            "peak_rss_mb": measured.hwm_mb, "polled_rss_mb": measured.tree_rss_mb}


def member_md5(export: Path) -> str:
    digest = hashlib.md5()
    with zipfile.ZipFile(export) as zf, zf.open(MEMBER) as member:
        while block := member.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def raw_md5(s3, key: str) -> str:
    digest = hashlib.md5()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for block in s3.get_object(Bucket=DATA, Key=key)["Body"].iter_chunks(1 << 22):
        digest.update(inflater.decompress(block))
    digest.update(inflater.flush())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="member size in GB (default 1.0)")
    parser.add_argument("--workdir", type=Path, help="where to build the export (default: a temp dir)")
    parser.add_argument("--no-verify", action="store_true", help="skip the MD5 check of the raw object")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="recover-lambda-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}")
    moto, endpoint = start_moto(workdir / "moto_server.log")
    try:
        env = {**os.environ, **aws_env(endpoint), "RECOVER_LAKE": f"s3://{DATA}", "RECOVER_NAMESPACE": NS}
        os.environ.update(aws_env(endpoint))
        import boto3
        from boto3.s3.transfer import TransferConfig

        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=INPUT)
        s3.create_bucket(Bucket=DATA)

        export = workdir / "export"
        started = time.monotonic()
        member_bytes = build_export(export, int(args.size_gb * 1e9))
        print(f"built export: member {member_bytes / MB:,.0f} MB, export {export.stat().st_size / MB:,.0f} MB "
              f"in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        s3.upload_file(str(export), INPUT, KEY, Config=TransferConfig(multipart_chunksize=64 * 2**20))
        print(f"uploaded to moto in {time.monotonic() - started:.0f} s")

        result = run_handler(sqs_event(INPUT, KEY), env, workdir / "handler.log")
        rate = result["bytes"] / MB / result["ingest_seconds"]
        print(f"handler: {result['bytes'] / MB:,.0f} MB member -> {result['gzip_bytes'] / MB:,.0f} MB gzip; "
              f"ingest {result['ingest_seconds']:.1f} s ({rate:,.0f} MB/s), process {result['seconds']:.1f} s "
              f"incl. imports; peak RSS {result['peak_rss_mb']:.0f} MB "
              f"(polled: {result['polled_rss_mb']:.0f} MB); limit {LIMIT_MB} MB")
        if not args.no_verify:
            (raw_key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=DATA)["Contents"]]
            same = raw_md5(s3, raw_key) == member_md5(export)
            print(f"raw object gunzips to the member (MD5): {'yes' if same else 'NO'}")
            if not same:
                return 1
        return 0 if result["peak_rss_mb"] < LIMIT_MB else 1
    finally:
        os.killpg(moto.pid, signal.SIGTERM)
        moto.wait(10)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
