#!/usr/bin/env python3
"""flood.py ADDR PORTS SECONDS - forged SIP answers ("SIP/2.0 200 OK" with
random Call-IDs, CSeqs and branches) sent as fast as one process can to
ADDR at each of PORTS (comma-separated), for SECONDS; prints the count.
Only for the lab's own addresses (192.0.2.0/24)."""
import os
import socket
import sys
import time

addr, ports, secs = sys.argv[1], [int(p) for p in sys.argv[2].split(",")], float(sys.argv[3])
if not addr.startswith("192.0.2."):
    sys.exit("flood.py: only 192.0.2.0/24")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    r = os.urandom(8).hex().encode()
    msg = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2:40000;branch=z9hG4bK" + r +
           b"\r\nCall-ID: " + r + b"@vipd\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n" % (n % 1000))
    for p in ports:
        try:
            s.sendto(msg, (addr, p))
            n += 1
        except (BlockingIOError, ConnectionRefusedError):
            pass
print("sent", n, flush=True)
