"""User-pool costs in the sandbox, and raw moto's for comparison (medians; not a test).

    .venv/bin/python benchmarks/userpools_latency.py

Prints: create_user_pool (target <= 20 ms; raw moto imports an RSA key per pool), USER_PASSWORD_AUTH
sign-in (labkit vs raw moto), a full SRP sign-in with pycognito (client and server side), and the
sign-in with 100 vs 100,000 users in the pool (the 100,000 are put straight into moto's storage).
Raw moto runs in a child process, since labkit changes how moto builds pools in its own process.
"""

import statistics
import subprocess
import sys
import time

import boto3

PW = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def median_ms(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pool_and_client(idp):
    pool_id = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def fill(pool_id, n, region="us-east-1"):
    """Put n confirmed users straight into moto's storage (no API calls)."""
    from moto.backends import get_backend
    from moto.cognitoidp.models import CognitoIdpUser, UserStatus

    pool = get_backend("cognito-idp")["123456789012"][region].user_pools[pool_id]
    for i in range(n):
        user = CognitoIdpUser(pool_id, f"user{i}", PW, UserStatus.CONFIRMED, [{"Name": "email", "Value": f"user{i}@example.com"}])
        pool.users[user.username] = user


def sign_in(idp, client_id, name):
    idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PW})


def raw_moto():
    import moto

    with moto.mock_aws():
        idp = boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
        pool_and_client(idp)  # warm-up
        print(f"raw moto  create_user_pool:                  {median_ms(lambda: idp.create_user_pool(PoolName='x'), 20):7.2f} ms")
        pool_id, client_id = pool_and_client(idp)
        fill(pool_id, 100)
        print(f"raw moto  USER_PASSWORD_AUTH, 100 users:     {median_ms(lambda: sign_in(idp, client_id, 'user7'), 50):7.2f} ms")


def sandbox():
    import labkit
    from pycognito.aws_srp import AWSSRP

    with labkit.Sandbox() as sb:
        idp = boto3.client("cognito-idp")
        pool_and_client(idp)  # warm-up
        print(f"labkit    create_user_pool:                  {median_ms(lambda: idp.create_user_pool(PoolName='x'), 50):7.2f} ms")
        pool_id, client_id = pool_and_client(idp)
        fill(pool_id, 100)
        sign_in(idp, client_id, "user7")  # first use converts moto's password into a verifier
        print(f"labkit    USER_PASSWORD_AUTH, 100 users:     {median_ms(lambda: sign_in(idp, client_id, 'user7'), 50):7.2f} ms")
        seq = sb.calls.last_seq
        srp = median_ms(lambda: AWSSRP("user7", PW, pool_id, client_id, client=idp).authenticate_user(), 20)
        server = [c.duration_ms for c in sb.calls.since(seq)]
        per_sign_in = statistics.median(a + b for a, b in zip(server[0::2], server[1::2]))
        print(f"labkit    USER_SRP_AUTH (pycognito, both sides): {srp:5.2f} ms, of which the sandbox's side {per_sign_in:.2f} ms")
        big_pool, big_client = pool_and_client(idp)
        start = time.perf_counter()
        fill(big_pool, 100_000)
        print(f"          (100,000 users put into moto's storage in {time.perf_counter() - start:.1f} s)")
        sign_in(idp, big_client, "user99999")
        from moto.backends import get_backend

        by_sub = get_backend("cognito-idp")["123456789012"]["us-east-1"].user_pools[big_pool].users["user99999"].id
        sign_in(idp, big_client, by_sub)  # builds the index once
        print(f"labkit    USER_PASSWORD_AUTH, 100,000 users: {median_ms(lambda: sign_in(idp, big_client, 'user99999'), 50):7.2f} ms")
        print(f"labkit    ... signing in by sub (index):     {median_ms(lambda: sign_in(idp, big_client, by_sub), 50):7.2f} ms")


if __name__ == "__main__":
    if sys.argv[1:] == ["--raw-moto"]:
        raw_moto()
    else:
        sandbox()
        subprocess.run([sys.executable, __file__, "--raw-moto"], check=True)
