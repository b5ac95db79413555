"""Count a request's layer hops: the Python frames from the first labkit/moto frame that botocore's
event emitter (in-process: the ``before-send`` handler) or the HTTP server (werkzeug/wsgiref: the WSGI
app) calls, down to the service operation, that one included.

    .venv/bin/python docs/layer_hops.py

A profiler (``sys.setprofile``, and ``threading.setprofile`` for the HTTP server's thread) watches for
the operation's frame; from there it walks ``f_back`` to the entry frame and prints the chain. Two
requests: SignUp (a labkit operation) and DescribeUserPool (answered by moto), in-process and over HTTP.
"""
import sys, threading, boto3, labkit

TARGETS = {("sign_up", "labkit/userpools/service.py"), ("describe_user_pool", "moto/cognitoidp/responses.py")}
found = []

def entry_of(frame):
    chain = []
    f = frame
    while f is not None:
        chain.append(f)
        caller = f.f_back
        if caller is None:
            return None
        cf = caller.f_code.co_filename
        if cf.endswith("botocore/hooks.py") or "werkzeug" in cf or "socketserver" in cf or "wsgiref" in cf:
            if "labkit" in f.f_code.co_filename or "moto" in f.f_code.co_filename:
                return chain
        f = caller
    return None

def prof(frame, event, arg):
    if event != "call":
        return
    co = frame.f_code
    for name, path in TARGETS:
        if co.co_name == name and co.co_filename.endswith(path):
            chain = entry_of(frame)
            if chain:
                found.append((name, [f"{c.f_code.co_filename.split('site-packages/')[-1].split('/h1/')[-1]}:{c.f_code.co_name}" for c in reversed(chain)]))

def run(serve):
    found.clear()
    with labkit.Sandbox(serve=serve) as sb:
        kw = {"endpoint_url": sb.endpoint_url} if serve else {}
        idp = boto3.client("cognito-idp", **kw)
        pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
        sys.setprofile(prof); threading.setprofile(prof)
        idp.sign_up(ClientId=cid, Username="ann", Password="Passw0rd!Passw0rd")
        idp.describe_user_pool(UserPoolId=pool)
        sys.setprofile(None); threading.setprofile(None)
    return list(found)

for serve in (False, True):
    for name, chain in run(serve):
        print("HTTP" if serve else "in-process", name, "hops:", len(chain))
        for c in chain:
            print("    ", c)
