"""Network namespaces, links and link impairment for scripts/bench-failover (issue 17.5).

One L2 segment (a bridge in the `<tag>-lan` namespace) joins every namespace of a run; each
member has one veth link to it. Names carry a per-run tag, so several engineers can run at once.

Impairment of a link (delay, loss), in the order the host allows:
1. `tc qdisc netem` on both ends of the veth when the kernel has sch_netem (CI's may);
2. otherwise a userspace frame forwarder (FORWARDER below) spliced into the link: the member's
   veth ends in the lan namespace at `p<name>`, a second veth `q<name>`/`r<name>` reaches the
   bridge, and the forwarder copies frames between `p` and `q` through AF_PACKET sockets, holding
   each for the one-way delay and dropping the configured share. nftables could drop packets
   (`numgen random mod 100 < N drop`) but cannot delay them, so one mechanism does both.
Partitions (drop every packet between two addresses, silently, as a cut path does) use nftables.
"""
import os
import random
import signal
import subprocess
import sys

SUBNET = "10.77.0"

FORWARDER = r"""
# Frame forwarder between two interfaces of this namespace: one-way delay + random loss.
import heapq, os, random, select, socket, sys, time
a, b, delay, loss = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0, float(sys.argv[4]) / 100.0
# only IPv4 frames to or from these addresses are delayed and dropped; the rest passes at once
only = {socket.inet_aton(x) for x in sys.argv[5].split(",")} if len(sys.argv) > 5 and sys.argv[5] else None
# "off": frames pass untouched until SIGUSR1 switches the impairment on
import signal
on = [not (len(sys.argv) > 6 and sys.argv[6] == "off")]
signal.signal(signal.SIGUSR1, lambda *a: on.__setitem__(0, True))
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
socks = {}
for name in (a, b):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    socks[name] = s
other = {a: socks[b], b: socks[a]}
queue, seq = [], 0
rnd = random.Random()
# BF_FORWARDER_TRACE=<dir>: one line per impaired UDP datagram (time, interface, addresses, verdict,
# and for the witness's datagrams their kind and nonce) -- to tell, after a false failover, whether
# a holder's renewals were sent, dropped here, answered, and whether the answers came back
trace = None
if os.environ.get("BF_FORWARDER_TRACE"):
    trace = open(os.path.join(os.environ["BF_FORWARDER_TRACE"], "fwd-%s-%s.trace" % (a, b)), "a", buffering=1)
def note(name, frame, verdict):
    if trace is None or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return
    ihl = (frame[14] & 0x0F) * 4
    u = 14 + ihl
    sport, dport = int.from_bytes(frame[u:u + 2], "big"), int.from_bytes(frame[u + 2:u + 4], "big")
    pl = frame[u + 8:]
    extra = ""
    if pl[:2] == b"TW" and len(pl) >= 12:
        extra = " kind=%d nonce=%d" % (pl[3], int.from_bytes(pl[4:12], "big"))
    trace.write("%.6f %s %s:%d>%s:%d %s%s\n" % (time.time(), name, socket.inet_ntoa(frame[26:30]), sport,
                                               socket.inet_ntoa(frame[30:34]), dport, verdict, extra))
while True:
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, out, frame = heapq.heappop(queue)
        try:
            out.send(frame)
        except OSError:
            pass
    timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
    ready, _, _ = select.select(list(socks.values()), [], [], timeout)
    for s in ready:
        name = s.getsockname()[0]
        while True:
            try:
                frame, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            hit = on[0] and (only is None or (frame[12:14] == b"\x08\x00" and (frame[26:30] in only or frame[30:34] in only)))
            if not hit:
                try:
                    other[name].send(frame)
                except OSError:
                    pass
                continue
            if loss and rnd.random() < loss:
                note(name, frame, "drop")
                continue
            note(name, frame, "fwd")
            seq += 1
            heapq.heappush(queue, (time.monotonic() + delay, seq, other[name], frame))
"""


# An echo on UDP and TCP (the same port number for both, as the witness's datagram port defaults
# to its HTTPS port number): the lab check below sends through the paths the product uses.
ECHO_PORT = 17499
ECHO = r"""
import socket, sys, threading
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", port))
t.listen(64)
def tcp():
    while True:
        c, _ = t.accept()
        c.settimeout(5)
        try:
            d = c.recv(64)
            if d:
                c.sendall(d)
        except OSError:
            pass
        c.close()
threading.Thread(target=tcp, daemon=True).start()
while True:
    d, peer = u.recvfrom(2048)
    u.sendto(d, peer)
"""
# The client side: N UDP datagrams 10 ms apart (answers counted, round trips measured), and K TCP
# connections (handshake + one echoed segment, each within a timeout); prints one JSON line.
PATHPROBE = r"""
import json, select, socket, sys, threading, time
dst, port, n, k, tmo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent, rtts = {}, []
end = time.monotonic() + n * 0.010 + tmo
i, nxt = 0, time.monotonic()
while time.monotonic() < end:
    now = time.monotonic()
    if i < n and now >= nxt:
        sent[i] = now
        try:
            u.sendto(b"bf-lab-check %d" % i, (dst, port))
        except OSError:
            pass
        i += 1
        nxt += 0.010
    r, _, _ = select.select([u], [], [], 0.005)
    if r:
        try:
            d = u.recv(2048)
            j = int(d.split()[-1])
            if j in sent:
                rtts.append((time.monotonic() - sent.pop(j)) * 1000)
        except (OSError, ValueError):
            pass
tcp = []
def conn():
    t0 = time.monotonic()
    try:
        c = socket.create_connection((dst, port), timeout=tmo)
        c.settimeout(tmo)
        c.sendall(b"x")
        ok = c.recv(8) == b"x"
        c.close()
        tcp.append((time.monotonic() - t0) * 1000 if ok else None)
    except OSError:
        tcp.append(None)
ts = [threading.Thread(target=conn) for _ in range(k)]
for t in ts:
    t.start()
for t in ts:
    t.join()
rtts.sort()
ok = sorted(x for x in tcp if x is not None)
print(json.dumps({"udpSent": n, "udpAnswered": len(rtts), "udpRttP50Ms": rtts[len(rtts) // 2] if rtts else None,
                  "tcpTried": k, "tcpAnswered": len(ok), "tcpP50Ms": ok[len(ok) // 2] if ok else None}))
"""


class LabError(Exception):
    """The lab does not do what a run relies on (e.g. a partition that lets UDP through)."""


def sh(*cmd, check=True, ns=None, timeout=30, **kw):
    full = (["ip", "netns", "exec", ns] if ns else []) + [str(c) for c in cmd]
    r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(full), r.returncode, r.stderr.strip()))
    return r


def netem_available():
    name = "bfchk%d" % os.getpid()
    try:
        sh("ip", "netns", "add", name)
        sh("ip", "link", "add", "x0", "type", "veth", "peer", "name", "x1", ns=name)
        r = sh("tc", "qdisc", "add", "dev", "x0", "root", "netem", "delay", "1ms", ns=name, check=False)
        return r.returncode == 0, (r.stderr or "").strip()
    finally:
        sh("ip", "netns", "del", name, check=False)


def nft_available():
    name = "bfnft%d" % os.getpid()
    try:
        sh("ip", "netns", "add", name)
        r = sh("nft", "add", "table", "inet", "t", ns=name, check=False)
        return r.returncode == 0, (r.stderr or "").strip()
    except (OSError, RuntimeError) as e:
        return False, str(e)
    finally:
        sh("ip", "netns", "del", name, check=False)


def check_host():
    out = {"root": os.geteuid() == 0}
    r = subprocess.run(["ip", "netns", "add", "bfchk-ns%d" % os.getpid()], capture_output=True, text=True)
    out["netns"] = r.returncode == 0
    subprocess.run(["ip", "netns", "del", "bfchk-ns%d" % os.getpid()], capture_output=True)
    ok, why = netem_available() if out["netns"] else (False, "no namespaces")
    out["netem"] = ok
    if not ok:
        out["netemError"] = why
    try:
        ok, why = nft_available() if out["netns"] else (False, "no namespaces")
    except FileNotFoundError:
        ok, why = False, "nft not installed"
    out["nftables"] = ok
    if not ok:
        out["nftablesError"] = why
    for tool in ("keepalived", "named", "kamailio", "sshd", "arping", "ethtool"):
        out[tool] = any(os.access(os.path.join(d, tool), os.X_OK)
                        for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"])
    try:
        import matplotlib  # noqa: F401
        out["matplotlib"] = True
    except ImportError:
        out["matplotlib"] = False
    return out


class Net:
    """The namespaces and links of one run. Members: name -> last octet of its address."""

    def __init__(self, tag, members, impair=None, use_netem=False):
        self.tag = tag
        self.members = dict(members)
        self.ns = {k: "%s-%s" % (tag, k) for k in list(members) + ["lan"]}
        self.impair = impair or {}  # member -> (one-way delay ms, loss %)
        self.use_netem = use_netem
        self.start_off = False
        self.pending_netem = []
        self.forwarders = {}
        self.applied = {}

    def addr(self, member):
        return "%s.%d" % (SUBNET, self.members[member])

    def build(self):
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            sh("ip", "link", "set", "lo", "up", ns=n)
        lan = self.ns["lan"]
        sh("ip", "link", "add", "br0", "type", "bridge", ns=lan)
        sh("ip", "link", "set", "br0", "up", ns=lan)
        for m in self.members:
            self._plug(m)

    def _plug(self, m):
        lan, dev, peer = self.ns["lan"], "v" + m, "p" + m
        sh("ip", "link", "add", dev, "netns", self.ns[m], "type", "veth", "peer", "name", peer, "netns", lan)
        sh("ip", "addr", "add", self.addr(m) + "/24", "dev", dev, ns=self.ns[m])
        sh("ip", "link", "set", dev, "up", ns=self.ns[m])
        if self.impair and not self.use_netem:
            # frames read by the forwarder must carry finished checksums: a veth hands over
            # CHECKSUM_PARTIAL packets whose UDP/TCP checksum is only filled in on a real NIC
            sh("ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", ns=self.ns[m])
        spec = self.impair.get(m, (0.0, 0.0))
        delay, loss = spec[0], spec[1]
        towards = list(spec[2]) if len(spec) > 2 else None
        if (delay or loss) and self.use_netem:
            for ns, d in ((self.ns[m], dev), (lan, peer)):
                if self.start_off:
                    self.pending_netem.append((ns, d, delay, loss))
                else:
                    sh("tc", "qdisc", "add", "dev", d, "root", "netem", "delay", "%.1fms" % delay,
                       "loss", "%g%%" % loss, ns=ns)
            self.applied[m] = {"mechanism": "tc netem", "oneWayDelayMs": delay, "lossPctEachWay": loss}
        elif delay or loss:
            q, r = "q" + m, "r" + m
            sh("ip", "link", "add", q, "type", "veth", "peer", "name", r, ns=lan)
            sh("ip", "link", "set", r, "master", "br0", ns=lan)
            for d in (peer, q, r):
                # whole frames of at most one MTU, checksums done: no offload across the forwarder
                sh("ethtool", "-K", d, "tx", "off", "tso", "off", "gso", "off", "gro", "off", ns=lan, check=False)
                sh("ip", "link", "set", d, "promisc", "on", ns=lan)
                sh("ip", "link", "set", d, "up", ns=lan)
            self.forwarders[m] = subprocess.Popen(
                ["ip", "netns", "exec", lan, sys.executable, "-c", FORWARDER, peer, q, str(delay), str(loss),
                 ",".join(self.addr(x) for x in towards) if towards else "", "off" if self.start_off else "on"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            self.applied[m] = {"mechanism": "userspace frame forwarder (AF_PACKET)",
                               "oneWayDelayMs": delay, "lossPctEachWay": loss,
                               "onlyTrafficWith": towards or "all"}
            return
        else:
            self.applied[m] = {"mechanism": "none", "oneWayDelayMs": 0.0, "lossPctEachWay": 0.0}
        sh("ip", "link", "set", peer, "master", "br0", ns=lan)
        sh("ip", "link", "set", peer, "up", ns=lan)

    def impair_now(self):
        """Switches the forwarders' impairment on (they start passing frames untouched if start_off)."""
        for p in self.forwarders.values():
            os.kill(p.pid, signal.SIGUSR1)  # `ip netns exec` execs the forwarder: same pid
        for ns, d, delay, loss in self.pending_netem:
            sh("tc", "qdisc", "add", "dev", d, "root", "netem", "delay", "%.1fms" % delay, "loss", "%g%%" % loss,
               ns=ns)
        self.pending_netem = []

    def link(self, m, up):
        sh("ip", "link", "set", "v" + m, "up" if up else "down", ns=self.ns[m])

    def partition(self, m1, m2, on):
        """Drops every packet between m1 and m2 in both members' namespaces (nftables)."""
        for me, other in ((m1, m2), (m2, m1)):
            if on:
                rules = ("table inet bfpart {\n chain in { type filter hook input priority 0; "
                         "ip saddr %s drop; }\n chain out { type filter hook output priority 0; "
                         "ip daddr %s drop; }\n}\n") % (self.addr(other), self.addr(other))
                sh("nft", "-f", "-", ns=self.ns[me], input=rules)
            else:
                sh("nft", "delete", "table", "inet", "bfpart", ns=self.ns[me], check=False)

    # ---------------------------------------------------------------- lab check (UDP and TCP)
    def start_echo(self, member):
        """An echo on ECHO_PORT, UDP and TCP, in the member's namespace (stopped by close)."""
        self.echos = getattr(self, "echos", {})
        if member in self.echos and self.echos[member].poll() is None:
            return
        self.echos[member] = subprocess.Popen(["ip", "netns", "exec", self.ns[member], sys.executable, "-c", ECHO,
                                               str(ECHO_PORT)], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL, start_new_session=True)

    def path(self, src, dst, n=200, k=6, tmo=3.0):
        """What UDP datagrams and TCP connections from src to dst's echo get through (one JSON dict)."""
        import json
        r = sh(sys.executable, "-c", PATHPROBE, self.addr(dst), ECHO_PORT, n, k, tmo, ns=self.ns[src],
               timeout=n * 0.01 + 2 * tmo + 30)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def expect_cut(self, src, dst, why):
        """Raises LabError unless nothing, UDP or TCP, gets from src to dst."""
        seen = self.path(src, dst, n=30, k=2, tmo=1.0)
        if seen["udpAnswered"] or seen["tcpAnswered"]:
            raise LabError("%s: the path %s -> %s still carries traffic (%s): the fault does not cut UDP and "
                           "TCP alike, so the run would not test what it claims" % (why, src, dst, seen))
        return seen

    def expect_impaired(self, src, dst, rtt_ms, loss_pct):
        """Raises LabError unless UDP and TCP from src to dst see the round trip and the loss asked.

        The path crosses one impaired hop each way (the soak's layout), so a datagram and its echo
        both get through with probability (1 - loss)^2; the bound is that +- 4 standard deviations
        (a lab that forwards UDP untouched, or drops all of it, is far outside). Delays are
        checked from below only: a loaded machine makes the forwarder slower, never faster."""
        n = 200
        seen = self.path(src, dst, n=n)
        p = (1 - loss_pct / 100.0) ** 2
        sd = (n * p * (1 - p)) ** 0.5
        problems = []
        if abs(seen["udpAnswered"] - n * p) > 4 * sd + 2:
            problems.append("UDP answered %d of %d, expected about %.0f (%.0f %% loss each way)"
                            % (seen["udpAnswered"], n, n * p, loss_pct))
        if seen["udpRttP50Ms"] is None or seen["udpRttP50Ms"] < 0.9 * rtt_ms:
            problems.append("UDP round trip p50 %s ms, expected at least %.0f ms" % (seen["udpRttP50Ms"], 0.9 * rtt_ms))
        if not seen["tcpAnswered"] or seen["tcpP50Ms"] < 0.9 * rtt_ms:
            problems.append("TCP echo p50 %s ms over %d of %d connections, expected at least %.0f ms"
                            % (seen["tcpP50Ms"], seen["tcpAnswered"], seen["tcpTried"], 0.9 * rtt_ms))
        if problems:
            raise LabError("the path %s -> %s is not impaired as asked: %s (%s)"
                           % (src, dst, "; ".join(problems), seen))
        return seen

    def close(self):
        for p in getattr(self, "echos", {}).values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
        for p in self.forwarders.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
        for n in self.ns.values():
            sh("ip", "netns", "del", n, check=False)


def cleanup_stale(prefix):
    """Deletes namespaces left by an earlier run of this process id's tag (never others')."""
    r = sh("ip", "netns", "list", check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(prefix + "-"):
            sh("ip", "netns", "del", name, check=False)


def jitter(seconds):
    return seconds * (0.8 + 0.4 * random.random())


def selftest(tag, log=print, rtt_ms=150.0, loss_pct=20.0):
    """The lab's own check, before any product runs: a site -> witness path through the forwarder
    (or netem) delays and drops UDP like TCP, an nftables partition and a link down cut UDP and
    TCP alike. Raises LabError naming what failed; returns what it saw."""
    use_netem = netem_available()[0]
    members = {"a": 1, "b": 2, "w": 5}
    net = Net(tag, members, impair={"a": (rtt_ms / 2.0, loss_pct, ("w", "b"))}, use_netem=use_netem)
    out = {"mechanism": "tc netem" if use_netem else "userspace frame forwarder (AF_PACKET)"}
    try:
        net.build()
        for m in members:
            net.start_echo(m)
        # the echos listen once their namespace answers on the clean path
        wait_until(lambda: net.path("b", "w", n=5, k=1, tmo=0.5)["udpAnswered"] > 0, 10, "the echo in w")
        wait_until(lambda: net.path("w", "a", n=20, k=1, tmo=1.0)["udpAnswered"] > 0, 10, "the echo in a")
        out["impaired a->w"] = net.expect_impaired("a", "w", rtt_ms, loss_pct)
        clean = net.path("b", "w", n=50, k=2, tmo=1.0)
        if clean["udpAnswered"] < 50 or clean["tcpAnswered"] < 2:
            raise LabError("the clean path b -> w lost traffic: %s" % clean)
        out["clean b->w"] = clean
        net.partition("b", "w", True)
        out["partition b-w"] = net.expect_cut("b", "w", "partition (nftables)")
        net.partition("b", "w", False)
        net.link("w", False)
        out["link w down"] = net.expect_cut("b", "w", "witness loss (link down)")
        log("lab check: %s delays and drops UDP and TCP alike (a->w UDP %d of 200 answered, p50 %.0f ms; "
            "TCP p50 %.0f ms); a partition and a link down cut both"
            % (out["mechanism"], out["impaired a->w"]["udpAnswered"], out["impaired a->w"]["udpRttP50Ms"],
               out["impaired a->w"]["tcpP50Ms"]))
        return out
    finally:
        net.close()


def wait_until(cond, timeout, what):
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise LabError("%s: not ready within %d s" % (what, timeout))
