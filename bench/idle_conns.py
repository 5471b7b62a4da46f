#!/usr/bin/python3
"""Rough idle-memory probe: N authenticated, bound, TLS client streams.

Opens N STARTTLS connections to a Lethe server on loopback, logs each in
with SCRAM-SHA-256 as one account (each its own resource), sends initial
presence, then reports the server's resident memory before and after,
per connection. Bounded: at most N connections and --timeout seconds.

    bench/idle_conns.py --pid PID --port 5222 --jid bench@localhost \
        --password secret -n 10000
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import re
import ssl
import sys
import time

salted_cache = {}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def read_until(reader, pattern, buf, limit=65536):
    while True:
        m = re.search(pattern, buf[0])
        if m:
            buf[0] = buf[0][m.end():]
            return m
        data = await reader.read(4096)
        if not data:
            raise ConnectionError("closed")
        buf[0] += data
        if len(buf[0]) > limit:
            raise ConnectionError("too much data")


def scram_client_final(user, password, first_bare, server_first):
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    salt = base64.b64decode(attrs["s"])
    it = int(attrs["i"])
    key = (salt, it)
    if key not in salted_cache:
        salted_cache[key] = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, it)
    sp = salted_cache[key]
    ck = hmac.new(sp, b"Client Key", "sha256").digest()
    sk = hashlib.sha256(ck).digest()
    without = "c=biws,r=" + attrs["r"]
    auth = (first_bare + "," + server_first + "," + without).encode()
    sig = hmac.new(sk, auth, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(ck, sig))
    return without + ",p=" + base64.b64encode(proof).decode()


async def one(host, port, domain, user, password, i, ctx):
    hdr = (f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' "
           "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>").encode()
    reader, writer = await asyncio.open_connection(host, port)
    buf = [b""]
    writer.write(hdr)
    await read_until(reader, rb"</stream:features>", buf)
    writer.write(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    await read_until(reader, rb"<proceed[^>]*/>", buf)
    await writer.start_tls(ctx, server_hostname=domain)
    buf = [b""]
    writer.write(hdr)
    await read_until(reader, rb"</stream:features>", buf)
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n={user},r={nonce}"
    writer.write(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>"
                  + base64.b64encode(("n,," + first_bare).encode()).decode() + "</auth>").encode())
    m = await read_until(reader, rb"<challenge[^>]*>([^<]*)</challenge>", buf)
    sf = base64.b64decode(m.group(1)).decode()
    final = scram_client_final(user, password, first_bare, sf)
    writer.write(("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                  + base64.b64encode(final.encode()).decode() + "</response>").encode())
    await read_until(reader, rb"<success[^>]*(/>|>[^<]*</success>)", buf)
    buf = [b""]
    writer.write(hdr)
    await read_until(reader, rb"</stream:features>", buf)
    writer.write(f"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r{i}</resource></bind></iq>".encode())
    await read_until(reader, rb"</iq>", buf)
    writer.write(b"<presence/>")
    await writer.drain()
    return writer


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5222)
    ap.add_argument("--jid", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--accounts", type=int, default=1,
                    help="spread over JID-local0..N-1 (all with --password)")
    ap.add_argument("--parallel", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--settle", type=float, default=8)
    a = ap.parse_args()
    if not a.host.startswith("127.") and a.host != "::1":
        sys.exit("loopback addresses only")
    user, domain = a.jid.split("@")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    base = rss_kib(a.pid)
    writers = []
    sem = asyncio.Semaphore(a.parallel)
    deadline = time.monotonic() + a.timeout

    async def guarded(i):
        async with sem:
            if time.monotonic() > deadline:
                return None
            try:
                u = f"{user}{i % a.accounts}" if a.accounts > 1 else user
                return await one(a.host, a.port, domain, u, a.password, i, ctx)
            except Exception as e:  # noqa: BLE001
                print(f"conn {i}: {e!r}", file=sys.stderr)
                return None

    t0 = time.monotonic()
    res = await asyncio.gather(*(guarded(i) for i in range(a.n)))
    writers = [w for w in res if w is not None]
    t1 = time.monotonic()
    # Let the server's idle timers release parser memory.
    await asyncio.sleep(a.settle)
    after = rss_kib(a.pid)
    n = len(writers)
    print(f"connections={n} login_seconds={t1 - t0:.1f} rss_before_kib={base} "
          f"rss_after_kib={after} per_conn_kib={(after - base) / max(n, 1):.2f}")
    for w in writers:
        w.close()


asyncio.run(main())
