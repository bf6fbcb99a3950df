"""The outside client: run in the client namespace, prints one line per observation.

  probe.py SECONDS VIP [--dns SERVER NAME] [--rpc HOST:PORT AOR]

- SIP OPTIONS to VIP:5060 every 10 ms; each 200 answer prints `t sip <site>` (the last word of
  the Server header: `Server: tandem-lab-pbx <name>` from `tandem sim-pbx`, `site-<x>` from the
  keepalived side's responder); a non-200 answer prints `t sip! <code>`.
- With --dns: an A query for NAME to SERVER:53 every 20 ms prints `t dns <address>` on change.
- With --rpc: Kamailio's `ul.dump` over JSON-RPC every 50 ms prints `t reg <contacts>` on change
  (contact hosts of AOR, sorted, comma-separated; `-` for none).
- At the end, `t sent <n>`: how many OPTIONS were sent.
Times are CLOCK_MONOTONIC seconds (the same clock in every namespace).
"""
import json
import select
import socket
import struct
import sys
import threading
import time
import urllib.request

lock = threading.Lock()


def emit(kind, value):
    with lock:
        print("%.6f %s %s" % (time.clock_gettime(time.CLOCK_MONOTONIC), kind, value), flush=True)


# "--sip-via-dns": OPTIONS go to the address the record names (a DNS-moved service), as a
# carrier that resolves the name does; otherwise to the fixed public address (a VIP)
target = [None]
follow = [False]


def sip(vip, end):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    me = "10.77.0.100"
    n, nxt = 0, time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= nxt:
            n += 1
            msg = ("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%d\r\n"
                   "From: <sip:probe@%s>;tag=p\r\nTo: <sip:%s>\r\nCall-ID: probe-%d\r\n"
                   "CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                   ) % (vip, me, port, n, me, vip, n, n)
            try:
                s.sendto(msg.encode(), (target[0] or vip, 5060))
            except OSError:
                pass
            nxt += 0.010
            if nxt < now:
                nxt = now + 0.010
        r, _, _ = select.select([s], [], [], max(0.0, min(0.010, nxt - time.monotonic())))
        if r:
            try:
                data = s.recv(4096)
            except OSError:
                continue
            lines = data.split(b"\r\n")
            code = lines[0].split(b" ")[1].decode() if len(lines[0].split(b" ")) > 1 else "?"
            site = "?"
            for line in lines:
                if line.lower().startswith(b"server:"):
                    site = line.split()[-1].decode()
                    if site.startswith("site-"):
                        site = site[5:]
            emit("sip" if code == "200" else "sip!", site if code == "200" else code)
    emit("sent", str(n))


def dns_query(server, name, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q, (server, 53))
        data = s.recv(2048)
    finally:
        s.close()
    an = struct.unpack(">H", data[6:8])[0]
    i = 12
    while data[i] != 0:
        i += 1 + data[i]
    i += 5
    addrs = []
    for _ in range(an):
        if data[i] & 0xC0 == 0xC0:
            i += 2
        else:
            while data[i] != 0:
                i += 1 + data[i]
            i += 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", data[i:i + 10])
        i += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(data[i:i + 4]))
        i += rdlen
    return ",".join(sorted(addrs)) or "-"


def dns(server, name, end):
    last, qid = None, 0
    while time.monotonic() < end:
        qid = (qid + 1) & 0xFFFF
        try:
            v = dns_query(server, name, qid)
        except (OSError, IndexError, struct.error):
            v = "?"
        if v != last and v != "?":
            emit("dns", v)
            last = v
            if follow[0] and v != "-":
                target[0] = v.split(",")[0]
        time.sleep(0.020)


def contacts(rpc, aor):
    body = json.dumps({"jsonrpc": "2.0", "method": "ul.dump", "id": 1}).encode()
    req = urllib.request.Request("http://%s/RPC" % rpc, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=0.5) as r:
        dump = json.load(r)
    hosts = []
    for d in dump.get("result", {}).get("Domains", []):
        for a in d.get("Domain", {}).get("AoRs", []):
            info = a.get("Info", {})
            if info.get("AoR") == aor:
                for c in info.get("Contacts", []):
                    addr = c.get("Contact", {}).get("Address", "")
                    hosts.append(addr.split("@")[-1].split(":")[0].split(";")[0])
    return ",".join(sorted(hosts)) or "-"


def reg(rpc, aor, end):
    last = None
    while time.monotonic() < end:
        try:
            v = contacts(rpc, aor)
        except (OSError, ValueError):
            v = "?"
        if v != last and v != "?":
            emit("reg", v)
            last = v
        time.sleep(0.050)


def main(argv):
    seconds, vip = float(argv[0]), argv[1]
    end = time.monotonic() + seconds
    threads = [threading.Thread(target=sip, args=(vip, end), daemon=True)]
    rest = argv[2:]
    while rest:
        if rest[0] == "--sip-via-dns":
            follow[0] = True
            rest = rest[1:]
            continue
        if rest[0] == "--dns":
            threads.append(threading.Thread(target=dns, args=(rest[1], rest[2], end), daemon=True))
            rest = rest[3:]
        elif rest[0] == "--rpc":
            threads.append(threading.Thread(target=reg, args=(rest[1], rest[2], end), daemon=True))
            rest = rest[3:]
        else:
            raise SystemExit("probe.py: unknown argument " + rest[0])
    emit("start", "-")
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 5)


if __name__ == "__main__":
    main(sys.argv[1:])
