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
                continue
            seq += 1
            heapq.heappush(queue, (time.monotonic() + delay, seq, other[name], frame))
"""


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

    def close(self):
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
