"""The outside client: run in the client namespace, prints one line per observation.

  probe.py SECONDS VIP [--dns SERVER NAME] [--rpc HOST:PORT AOR] [--sip-via-dns]
                       [--sip-port PORT] [--invite-interval SECONDS]

- SIP OPTIONS to VIP:5060 every 10 ms; each 200 answer prints `t sip <site>` (the last word of
  the Server header: `Server: tandem-lab-pbx <name>` from `tandem sim-pbx`, `site-<x>` from the
  keepalived side's responder); a non-200 answer prints `t sip! <code>`.
- SIP INVITE to VIP:5060 every 200 ms (--invite-interval), beside the OPTIONS and on its own
  socket, so the OPTIONS measurement is unchanged: a fenced PBX still answers OPTIONS 200 (Asterisk's
  chan_pjsip answers OPTIONS without the dialplan; `tandem sim-pbx` does as it does), but refuses
  an INVITE with 503 (the dialplan gate of docs/pbx-setup.md, cause 34; FreeSWITCH paused: 503
  "Maximum Calls In Progress"); a PBX that takes the call past the gate answers 480 (`tandem
  sim-pbx` has no phone registered). Each final answer prints `t inv <code>:<site>` once per
  INVITE; an INVITE with no final answer within 2 s prints `t inv none:-`. Every INVITE is a
  proper client transaction (RFC 3261 17.1.1): retransmitted after 500 ms and 1.5 s (timer A)
  while unanswered, and a final non-2xx answer (and every retransmission of it) is ACKed with the
  INVITE's Request-URI, Call-ID, From, CSeq number and Via branch and the answer's To (17.1.1.3),
  so the PBX's server transaction ends instead of retransmitting its answer; a 2xx (no PBX in the
  lab answers one) is ACKed end to end and hung up with a BYE (13.2.2.4, 15).
- With --dns: an A query for NAME to SERVER:53 every 20 ms prints `t dns <address>` on change.
- With --rpc: Kamailio's `ul.dump` over JSON-RPC every 50 ms prints `t reg <contacts>` on change
  (contact hosts of AOR, sorted, comma-separated; `-` for none).
- At the end, `t sent <n>`: how many OPTIONS were sent; `t inv-sent <n>`: how many INVITEs.
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
sip_port = [5060]
invite_interval = [0.200]


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
                s.sendto(msg.encode(), (target[0] or vip, sip_port[0]))
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


def header(lines, name):
    """The value of the first header `name` (lower case, no compact forms) in a SIP message."""
    for line in lines[1:]:
        if not line:
            break
        k, sep, v = line.partition(b":")
        if sep and k.strip().lower() == name:
            return v.strip().decode(errors="replace")
    return None


def invite(vip, end):
    """INVITEs every invite_interval seconds, each its own client transaction (RFC 3261 17.1.1)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    me = "10.77.0.100"
    # branches unique across probe processes too (RFC 3261 8.1.1.7), not only within one
    run_id = "%x%x" % (port, int(time.time() * 1000) & 0xFFFFFF)
    open_tx = {}  # Call-ID -> transaction; kept 4 s after its final answer (timer D: ACK repeats)
    n, nxt = 0, time.monotonic()

    def request(method, tx, branch, cseq_method=None, to=None):
        return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=%s\r\nMax-Forwards: 70\r\n"
                "From: <sip:probe@%s>;tag=inv%d\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
                "%sContent-Length: 0\r\n\r\n") % (
            method, tx["uri"], me, port, branch, me, tx["n"], to or "<%s>" % tx["uri"], tx["callid"],
            tx["n"] if cseq_method != "BYE" else tx["n"] + 1, cseq_method or method,
            "Contact: <sip:probe@%s:%d>\r\n" % (me, port) if method == "INVITE" else "")

    def send(tx, msg):
        try:
            s.sendto(msg.encode(), tx["dest"])
        except OSError:
            pass

    # after `end`, no new INVITE; the open transactions are still answered, ACKed or given up
    while time.monotonic() < end or (any(tx["final"] is None for tx in open_tx.values())
                                     and time.monotonic() < end + 2.5):
        now = time.monotonic()
        if now >= nxt and now < end:
            n += 1
            host = target[0] or vip
            tx = {"n": n, "uri": "sip:service@%s" % vip, "callid": "probe-inv-%d-%d@%s" % (port, n, me),
                  "branch": "z9hG4bK%s.%d" % (run_id, n), "dest": (host, sip_port[0]), "sent": now,
                  "retransmit": now + 0.5, "interval": 0.5, "final": None}
            tx["invite"] = request("INVITE", tx, tx["branch"])
            open_tx[tx["callid"]] = tx
            send(tx, tx["invite"])
            nxt += invite_interval[0]
            if nxt < now:
                nxt = now + invite_interval[0]
        for callid, tx in list(open_tx.items()):
            if tx["final"] is None and now >= tx["sent"] + 2.0:
                tx["final"] = now
                emit("inv", "none:-")
            elif tx["final"] is None and now >= tx["retransmit"]:
                send(tx, tx["invite"])  # timer A, doubling
                tx["interval"] *= 2
                tx["retransmit"] = now + tx["interval"]
            elif tx["final"] is not None and now >= tx["final"] + 4.0:
                del open_tx[callid]
        wait = 0.010 if now >= end else max(0.0, min(0.010, nxt - time.monotonic()))
        r, _, _ = select.select([s], [], [], wait)
        if not r:
            continue
        try:
            data = s.recv(4096)
        except OSError:
            continue
        lines = data.split(b"\r\n")
        first = lines[0].split(b" ")
        if len(first) < 2 or first[0] != b"SIP/2.0" or not first[1].isdigit():
            continue  # a request to the probe (none expected): not answered
        code = int(first[1])
        tx = open_tx.get(header(lines, b"call-id") or "")
        cseq = (header(lines, b"cseq") or "").split()
        if tx is None or len(cseq) != 2 or cseq[1] != "INVITE" or code < 200:
            continue  # 1xx, an answer to our BYE, or a stranger
        to = header(lines, b"to")
        site = "?"
        server = header(lines, b"server")
        if server:
            site = server.split()[-1]
            if site.startswith("site-"):
                site = site[5:]
        if code < 300:
            # 2xx: the transaction is over; the UA core ACKs end to end and hangs up (a new branch)
            send(tx, request("ACK", tx, tx["branch"] + "a", to=to))
            send(tx, request("BYE", tx, tx["branch"] + "b", cseq_method="BYE", to=to))
        else:
            # 17.1.1.3: the ACK of a non-2xx final answer, the same branch; re-sent for each copy
            send(tx, request("ACK", tx, tx["branch"], to=to))
        if tx["final"] is None:
            tx["final"] = time.monotonic()
            emit("inv", "%d:%s" % (code, site))
    emit("inv-sent", str(n))


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
    threads = [threading.Thread(target=sip, args=(vip, end), daemon=True),
               threading.Thread(target=invite, args=(vip, end), daemon=True)]
    rest = argv[2:]
    while rest:
        if rest[0] == "--sip-port":
            sip_port[0] = int(rest[1])
            rest = rest[2:]
            continue
        if rest[0] == "--invite-interval":
            invite_interval[0] = float(rest[1])
            rest = rest[2:]
            continue
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
