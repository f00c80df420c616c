#!/usr/bin/env python3
"""responder.py MODE ADDR PORT SECONDS - a UDP "SIP server" that answers
every datagram wrongly, for t_sipcheck.sh: MODE garbage (bytes that are no
SIP), or wrongid (a well-formed "SIP/2.0 200 OK" answering another
request: its own Call-ID, CSeq and branch). Stops after SECONDS."""
import socket
import sys
import time

mode, addr, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
s.settimeout(0.2)
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    try:
        data, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    n += 1
    if mode == "garbage":
        out = b"\x00\xffHELLO this is not SIP\r\n\r\n"
    else:
        out = (b"SIP/2.0 200 OK\r\n"
               b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKforged%d\r\n"
               b"Call-ID: forged%d@attacker\r\n"
               b"CSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n" % (n, n, n))
    s.sendto(out, peer)
print("answered", n, flush=True)
