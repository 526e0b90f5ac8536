# Counts, for SECONDS, the spoofed frames of attack.py that reach IFACE: IPv4 carrying the marker, and ARP
# whose sender IP is B_IP with a sender MAC other than B_MAC. Prints the count.
# usage: sniff.py IFACE B_MAC B_IP SECONDS
import socket, sys, time

ifc, b_mac, b_ip, secs = sys.argv[1:5]
B = bytes.fromhex(b_mac.replace(":", ""))
BIP = socket.inet_aton(b_ip)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((ifc, 0))
s.settimeout(0.2)
count = 0
end = time.time() + float(secs)
while time.time() < end:
    try:
        f, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING:
        continue
    kind = f[12:14]
    if kind == b"\x08\x00" and b"jsspoof" in f:
        count += 1
    elif kind == b"\x08\x06" and f[28:32] == BIP and f[22:28] != B:
        count += 1
print(count)
