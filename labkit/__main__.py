"""``python -m labkit``: the lab's command line.

    python -m labkit serve [--port N] [--seed N] [--region R]

runs a standalone sandbox served over HTTP on 127.0.0.1 (for the AWS CLI, other SDKs, a browser),
prints its endpoint and the credentials to sign requests with, and runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .sandbox import DEFAULT_REGION, DEFAULT_SEED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labkit",
        description="cognito-lab's sandbox: Amazon Cognito (and the IAM, STS, S3, DynamoDB around it) "
        "offline, on this machine, behaving as AWS documents.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a sandbox over HTTP until Ctrl-C",
        description="Start a sandbox served on http://127.0.0.1:PORT and print how to call it "
        "(endpoint URL and credentials). Runs until Ctrl-C.",
    )
    serve.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    serve.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed for ids and codes (default: {DEFAULT_SEED})")
    serve.add_argument("--region", default=DEFAULT_REGION, help=f"the region the sandbox plays (default: {DEFAULT_REGION})")
    return parser


def how_to_call(sb) -> str:
    """What ``serve`` prints: the endpoint, the credentials, and an AWS CLI line to try."""
    from .console import console_url
    from .wire.addressing import DISCOVERY_RULE, RULE

    creds = sb.admin_credentials  # the one documented key pair; every request is verified (labkit.auth)
    return "\n".join(
        [
            f"labkit sandbox serving at {sb.endpoint_url}",
            f"  region   {sb.region}",
            f"  account  {sb.account_id}",
            f"  seed     {sb.seed}",
            f"  console  {console_url(sb.endpoint_url)}   (inboxes, pools, users, identities, calls, IAM decisions)",
            f"  inbox    {console_url(sb.endpoint_url)}inbox/<address>   (JSON: the codes Cognito sent)",
            "",
            "Every AWS host is served under one rule:",
            f"  {RULE.replace('<endpoint>', sb.endpoint_url)}",
            "A user pool's OpenID discovery URL (what OIDC clients follow; tokens keep AWS's issuer):",
            f"  {DISCOVERY_RULE.replace('<endpoint>', sb.endpoint_url)}",
            "",
            "Sign requests with the sandbox's administrator key pair (not real AWS keys; the sandbox",
            "checks every signature as AWS does, so any other key is refused):",
            f"  export AWS_ACCESS_KEY_ID={creds['AccessKeyId']}",
            f"  export AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']}",
            f"  export AWS_DEFAULT_REGION={sb.region}",
            "",
            "Then, for example:",
            f"  aws --endpoint-url {sb.endpoint_url} cognito-idp list-user-pools --max-results 5",
            f"  boto3.client('cognito-idp', endpoint_url='{sb.endpoint_url}')",
            "",
            "Press Ctrl-C to stop (the sandbox's state goes with it).",
        ]
    )


def serve(port: int, seed: int, region: str) -> int:
    from .errors import LabkitError
    from .sandbox import Sandbox

    try:
        sb = Sandbox(seed=seed, region=region, serve=True, port=port).start()
    except LabkitError as exc:
        print(f"labkit: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the port is taken
        print(f"labkit: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}. Pick another --port, or omit it.", file=sys.stderr)
        return 2
    stop = threading.Event()
    # Set explicitly: a process started in the background inherits SIGINT ignored, and Ctrl-C must work.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(how_to_call(sb), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sb.stop()
        print("labkit sandbox stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.port, args.seed, args.region)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
