"""tests/integration/hardening_probe.py - what one client without a key must
not do to `vigil serve`, over raw sockets (no SDK would send these):

  slowloris   connections from 127.0.0.2 that send part of a header section
              and then nothing, or trickle a byte now and then, up to and past
              the per-client cap: a signed ListProjects from 127.0.0.1 is still
              answered within a second, the trickling connections are closed
              by the header deadline, and connections past the cap get 503
              SlowDown / 429 ThrottlingException once their headers are in;
  framing     Content-Length with Transfer-Encoding, an unknown transfer
              coding, two different Content-Lengths and HTTP/1.1 without Host
              are refused (400 or 501) and the connection is closed;
  bodies      twelve unsigned PUTs declaring 64 MiB each, and one with
              Expect: 100-continue, are answered at once (403, never 100
              Continue) and the server's resident memory grows by less than
              150 MB.

usage: hardening_probe.py PER_CLIENT HEADER_TIMEOUT SERVER_PID   (VIGIL_ENDPOINT
and the AWS_* variables set by lib.sh)
"""
import os
import socket
import sys
import time
import urllib.parse

import boto3
import botocore.config

ENDPOINT = os.environ["VIGIL_ENDPOINT"]
PORT = urllib.parse.urlsplit(ENDPOINT).port
PER_CLIENT = int(sys.argv[1])
HEADER_TIMEOUT = int(sys.argv[2])
SERVER_PID = int(sys.argv[3])


def connect(source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10, source_address=(source, 0))
    s.settimeout(10)
    return s


def read_response(s):
    """The status line and whatever follows until the server closes or 2 s pass."""
    data = b""
    s.settimeout(2)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False


def timed_list_projects():
    lfv = boto3.client("lookoutvision", endpoint_url=ENDPOINT,
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    start = time.time()
    lfv.list_projects()
    return time.time() - start


def check_slowloris():
    partial = (b"GET /2020-11-20/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"X-Slow: ")
    held = []
    for _ in range(PER_CLIENT + 20):
        try:
            s = connect("127.0.0.2")
            s.sendall(partial)
            held.append(s)
        except OSError:
            break  # beyond the margin the server drops connections unanswered
    assert len(held) >= PER_CLIENT, f"only {len(held)} connections were accepted"
    elapsed = timed_list_projects()
    assert elapsed < 1.0, f"ListProjects took {elapsed:.2f} s while 127.0.0.2 held {len(held)}"
    print(f"ok: {len(held)} stalled connections from one address; another client answered "
          f"in {elapsed * 1000:.0f} ms")
    # the ones past the cap are refused as soon as their header section ends
    refused = 0
    for s in held[PER_CLIENT:]:
        try:
            s.sendall(b"x\r\n\r\n")
            data, closed = read_response(s)
        except OSError:
            continue  # closed for want of its headers already
        if data.startswith(b"HTTP/1.1 429") and b"ThrottlingException" in data and closed:
            refused += 1
    assert refused > 0, "no connection past the per-client cap was answered 429"
    print(f"ok: {refused} connections past the per-client cap answered 429 and closed")
    # a connection trickling a byte at a time is closed by the header deadline
    s = connect("127.0.0.3")
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    start, closed = time.time(), False
    while time.time() - start < HEADER_TIMEOUT + 5:
        try:
            s.sendall(b"X-Trickle: 1\r\n")
            s.settimeout(0.5)
            if s.recv(1) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:
            closed = True
            break
    took = time.time() - start
    assert closed and took < HEADER_TIMEOUT + 3, f"trickling connection open after {took:.1f} s"
    print(f"ok: a trickling header section closed after {took:.1f} s "
          f"(deadline {HEADER_TIMEOUT} s)")
    for s in held:
        s.close()


def expect_refused(what, raw, statuses):
    s = connect()
    s.sendall(raw)
    data, closed = read_response(s)
    s.close()
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "none"
    assert status in statuses, f"{what}: answered {data[:200]!r}"
    assert closed, f"{what}: connection left open after {status}"
    print(f"ok: {what}: {status}, connection closed")


def check_framing():
    put = b"PUT /framing-bucket/k HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    expect_refused("Content-Length with Transfer-Encoding",
                   put + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n0\r\n\r\n", {"400"})
    expect_refused("Transfer-Encoding: gzip, chunked",
                   put + b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                   {"501"})
    expect_refused("two different Content-Lengths",
                   put + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", {"400"})
    expect_refused("HTTP/1.1 without Host",
                   b"GET /2020-11-20/projects HTTP/1.1\r\n\r\n", {"400"})


def resident_mb():
    for line in open(f"/proc/{SERVER_PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def check_unsigned_bodies():
    before = resident_mb()
    declared = 64 << 20
    chunk = b"\0" * (1 << 20)
    answered = 0
    for i in range(12):
        s = connect()
        s.sendall(f"PUT /anybucket/k{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Content-Length: {declared}\r\n\r\n".encode())
        try:
            for _ in range(8):  # push some of the body; the server should not want it
                s.sendall(chunk)
        except OSError:
            pass  # closed after its answer
        data, _ = read_response(s)
        s.close()
        answered += data.startswith(b"HTTP/1.1 403")
    grown = resident_mb() - before
    assert answered == 12, f"{answered} of 12 unsigned 64 MiB PUTs answered 403"
    assert grown < 150, f"resident memory grew by {grown:.0f} MB"
    print(f"ok: 12 unsigned 64 MiB PUTs refused at once; resident memory grew {grown:.1f} MB")
    s = connect()
    s.sendall(b"PUT /anybucket/expect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Length: 1048576\r\nExpect: 100-continue\r\n\r\n")
    data, closed = read_response(s)
    s.close()
    assert data.startswith(b"HTTP/1.1 403") and b"100 Continue" not in data, data[:200]
    print("ok: an unsigned PUT with Expect: 100-continue is refused without 100 Continue")


def main():
    check_framing()
    check_unsigned_bodies()
    check_slowloris()


if __name__ == "__main__":
    main()
