"""The keepalived side of scripts/bench-failover (issue 17.5): VRRP in namespaces.

Per run, network namespaces with names unique to this run (<tag>-a, -b, -c, -lan): two sites and a
client on one L2 segment (a bridge in the -lan namespace). Each site runs a SIP responder on UDP
5060 answering OPTIONS with 200 OK naming the site, and keepalived 2.2.7 (VRRPv3, the Debian
package) holding the public address 10.77.0.10 (site a preferred). The client sends SIP OPTIONS to
that address every 10 ms. Faults: a site loss (site a's link goes down, its keepalived and its
responder are killed with SIGKILL) and a PBX crash (site a's SIP responder is killed with SIGKILL,
keepalived stays up). keepalived has no witness, no DNS and no registrar: only the address moves.

The PBX-crash class needs keepalived to watch the PBX, as operators set it up: a `vrrp_script`
(CHECK below: SIP OPTIONS to the site's own responder on 127.0.0.1:5060 over a connected UDP
socket; exit 0 on a 200; a refused port -- the PBX's process is gone -- fails at once; no answer
within 250 ms is tried once more, so one lost datagram does not move the address) tracked by the
instance with **weight 0**, so a failed check puts the instance in FAULT state.
keepalived.conf(5) of 2.2.7, vrrp_script: "adjust priority by this weight, (default: 0)", and
track_interface: "0 is the default behaviour which means that a failure implies a FAULT state".
Why FAULT and not a negative weight: a master that leaves MASTER for FAULT drops the address and
sends an advert with priority 0, so the backup takes over after its skew time (RFC 5798 6.4.2: "If
the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time"); with a
negative weight the master keeps advertising at a lower priority and a preempting backup waits
for its Master_Down_Timer (3 adverts + skew; 6.4.2: "else if Preempt_Mode is False, or if the
Priority in the ADVERTISEMENT is greater than or equal to the local Priority ... else Discard the
ADVERTISEMENT"). And a site whose PBX is dead must not hold the address even when the other site
is down too: Tandem's critical sensors do the same.
`interval 1`, for both advert settings: 2.2.7 refuses anything shorter ("vrrp script interval
'0.1' must be between 1 and 4294", `keepalived -t`; the man page: `interval <INTEGER>`, seconds),
so a 0.1 s advert does not buy a faster check. `fall 1` (the script's own retry is the second
chance; with `fall 2` a crash costs one more whole second), `rise 2`, `timeout 1`.
Alternative not measured: `vrrp_track_process` sees the PBX process exit at once (netlink proc
events) but not a PBX that hangs; the SIP check sees both.
"""
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

VIP = "10.77.0.10"
SITES = {"a": "10.77.0.1", "b": "10.77.0.2"}
CLIENT = "10.77.0.100"
RESPONDER = r"""
import socket, sys
site = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5060))
while True:
    data, peer = s.recvfrom(4096)
    head = data.split(b"\r\n")
    if not head or not head[0].startswith(b"OPTIONS "):
        continue
    keep = [h for h in head[1:] if h.split(b":")[0].lower() in (b"via", b"from", b"to", b"call-id", b"cseq")]
    reply = b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) + b"\r\nServer: site-" + site.encode() + b"\r\nContent-Length: 0\r\n\r\n"
    s.sendto(reply, peer)
"""
CHECK = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.25)
s.connect(("127.0.0.1", 5060))  # connected: a closed port answers ECONNREFUSED at once
for attempt in (1, 2):
    s.send(b"OPTIONS sip:check@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKchk%d\r\n"
           b"From: <sip:check@127.0.0.1>;tag=c\r\nTo: <sip:check@127.0.0.1>\r\nCall-ID: chk\r\n"
           b"CSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n" % (attempt, attempt))
    try:
        sys.exit(0 if s.recv(4096).startswith(b"SIP/2.0 200") else 1)
    except socket.timeout:
        continue
    except OSError:
        sys.exit(1)
sys.exit(1)
"""
FAULTS = ("site-loss", "pbx-crash", "agent-crash")
# Fault classes of scripts/bench-failover that keepalived cannot take part in, and why: reported in
# the results as not applicable (never silently left out).
NOT_APPLICABLE = {
    "partition": "keepalived has no witness: there is no site-witness path to cut (VRRP adverts go between "
                 "the routers on the one segment)",
    "witness-loss": "keepalived has no witness to lose",
}
KEEPALIVED = """
global_defs {{
  router_id bf-{site}
  vrrp_version 3
  enable_script_security
  script_user root
}}
vrrp_script chk_sip {{
  script "{python} -I -S {check}"
  interval 1
  timeout 1
  weight 0
  fall 1
  rise 2
}}
vrrp_instance VI_1 {{
  state {state}
  interface v{site}
  virtual_router_id 77
  priority {priority}
  advert_int {advert}
  nopreempt_disabled_placeholder
  virtual_ipaddress {{
    {vip}/24 dev v{site}
  }}
  track_script {{
    chk_sip
  }}
}}
"""


def sh(*cmd, check=True, ns=None, **kw):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    return subprocess.run(full, check=check, capture_output=True, text=True, **kw)


def netem_available():
    name = "bfchk%d" % os.getpid()
    try:
        sh("ip", "netns", "add", name)
        sh("ip", "link", "add", "x0", "type", "veth", "peer", "name", "x1", ns=name)
        r = sh("tc", "qdisc", "add", "dev", "x0", "root", "netem", "delay", "1ms", ns=name, check=False)
        return r.returncode == 0, (r.stderr or "").strip()
    finally:
        sh("ip", "netns", "del", name, check=False)


def check():
    out = {"root": os.geteuid() == 0}
    r = subprocess.run(["ip", "netns", "add", "bfchk-ns%d" % os.getpid()], capture_output=True, text=True)
    out["netns"] = r.returncode == 0
    subprocess.run(["ip", "netns", "del", "bfchk-ns%d" % os.getpid()], capture_output=True)
    ok, why = netem_available() if out["netns"] else (False, "no namespaces")
    out["netem"] = ok
    if not ok:
        out["netemError"] = why
    k = subprocess.run(["keepalived", "--version"], capture_output=True, text=True)
    out["keepalived"] = (k.stdout + k.stderr).splitlines()[0] if k.returncode == 0 else None
    return out


class Topology:
    """One run's namespaces, links, responders and keepalived processes."""

    def __init__(self, tag, advert, delay_ms, loss_pct, work):
        self.tag, self.advert, self.work = tag, advert, work
        self.ns = {k: "%s-%s" % (tag, k) for k in ("a", "b", "c", "lan")}
        self.procs = {}
        self.delay_ms, self.loss_pct = delay_ms, loss_pct

    def __enter__(self):
        try:
            self.build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def build(self):
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            sh("ip", "link", "set", "lo", "up", ns=n)
        lan = self.ns["lan"]
        sh("ip", "link", "add", "br0", "type", "bridge", ns=lan)
        sh("ip", "link", "set", "br0", "up", ns=lan)
        for name, addr in list(SITES.items()) + [("c", CLIENT)]:
            dev, peer = "v" + name, "p" + name
            sh("ip", "link", "add", dev, "netns", self.ns[name], "type", "veth", "peer", "name", peer, "netns", lan)
            sh("ip", "link", "set", peer, "master", "br0", ns=lan)
            sh("ip", "link", "set", peer, "up", ns=lan)
            sh("ip", "addr", "add", addr + "/24", "dev", dev, ns=self.ns[name])
            sh("ip", "link", "set", dev, "up", ns=self.ns[name])
            if name in SITES and (self.delay_ms or self.loss_pct):
                half = self.delay_ms / 2.0
                for ns, d in ((self.ns[name], dev), (lan, peer)):
                    sh("tc", "qdisc", "add", "dev", d, "root", "netem", "delay", "%.1fms" % half,
                       "loss", "%g%%" % self.loss_pct, ns=ns)
        check = os.path.join(self.work, "check-sip.py")
        with open(check, "w") as f:
            f.write(CHECK)
        os.chmod(check, 0o755)
        for site in SITES:
            self.start(site + "-sip", [sys.executable, "-c", RESPONDER, site], site)
            conf = os.path.join(self.work, "keepalived-%s.conf" % site)
            with open(conf, "w") as f:
                f.write(KEEPALIVED.format(site=site, state="MASTER" if site == "a" else "BACKUP",
                                          priority=150 if site == "a" else 100, advert=self.advert,
                                          vip=VIP, python=sys.executable, check=check)
                        .replace("  nopreempt_disabled_placeholder\n", ""))
            run = os.path.join(self.work, site)
            self.start(site + "-vrrp", ["keepalived", "-n", "-l", "-P", "-f", conf,
                                        "-p", run + ".pid", "-r", run + ".vrrp.pid",
                                        "-c", run + ".chk.pid"], site)

    def start(self, key, cmd, site):
        log = open(os.path.join(self.work, key + ".log"), "w")
        self.procs[key] = subprocess.Popen(["ip", "netns", "exec", self.ns[site]] + cmd,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def site_loss(self, site):
        sh("ip", "link", "set", "v" + site, "down", ns=self.ns[site])
        for key in (site + "-vrrp", site + "-sip"):
            p = self.procs.get(key)
            if p:
                os.killpg(p.pid, signal.SIGKILL)

    def backup_ready(self, site):
        """The site's keepalived logged its last state change as BACKUP."""
        try:
            with open(os.path.join(self.work, site + "-vrrp.log")) as f:
                states = [line for line in f if "Entering" in line and "STATE" in line]
        except OSError:
            return False
        return bool(states) and "BACKUP" in states[-1]

    def agent_crash(self, site):
        """kill -9 of the site's keepalived (all its processes); the SIP responder keeps serving. A
        keepalived killed this way cannot remove the address it added (it does so on a clean stop:
        keepalived.conf(5) has nothing that fences a dead instance), so the site keeps carrying it
        while the backup, hearing no adverts, takes over after its Master_Down_Timer (RFC 5798 6.4.2)."""
        p = self.procs.get(site + "-vrrp")
        if p:
            os.killpg(p.pid, signal.SIGKILL)

    def carriers(self):
        """The sites whose interface carries the address now."""
        out = []
        for site in SITES:
            r = sh("ip", "-o", "-4", "addr", "show", "dev", "v" + site, ns=self.ns[site], check=False)
            if " %s/" % VIP in r.stdout:
                out.append(site)
        return out

    def pbx_crash(self, site):
        """kill -9 of the site's SIP responder; keepalived stays up and must notice (vrrp_script)."""
        p = self.procs.get(site + "-sip")
        if p:
            os.killpg(p.pid, signal.SIGKILL)

    def close(self):
        for p in self.procs.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for n in self.ns.values():
            sh("ip", "netns", "del", n, check=False)


class Prober:
    """SIP OPTIONS to the public address every 10 ms from the client namespace; records answers."""

    def __init__(self, topo, seconds):
        self.topo, self.seconds = topo, seconds
        self.answers = []  # (monotonic seconds, site)
        self.p = None

    def stop(self):
        """Ends the client early (the run has seen what it needs); its answers so far are kept."""
        if self.p is not None and self.p.poll() is None:
            self.p.kill()

    def run(self):
        script = r"""
import socket, sys, time, select
vip, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
port = s.getsockname()[1]
end = time.monotonic() + seconds
n = 0
nxt = time.monotonic()
while time.monotonic() < end:
    now = time.monotonic()
    if now >= nxt:
        n += 1
        msg = ("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 10.77.0.100:%d;branch=z9hG4bK%d\r\n"
               "From: <sip:probe@10.77.0.100>;tag=p\r\nTo: <sip:%s>\r\nCall-ID: probe-%d\r\n"
               "CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (vip, port, n, vip, n, n)
        s.sendto(msg.encode(), (vip, 5060))
        nxt += 0.010
    r, _, _ = select.select([s], [], [], max(0.0, min(0.010, nxt - time.monotonic())))
    if r:
        data = s.recv(4096)
        site = "?"
        for line in data.split(b"\r\n"):
            if line.startswith(b"Server: site-"):
                site = line[len(b"Server: site-"):].decode()
        print("%.6f %s" % (time.clock_gettime(time.CLOCK_MONOTONIC), site), flush=True)
"""
        p = self.p = subprocess.Popen(["ip", "netns", "exec", self.topo.ns["c"], sys.executable, "-c", script,
                                       VIP, str(self.seconds)], stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            t, site = line.split()
            self.answers.append((float(t), site))
        p.wait(timeout=self.seconds + 30)


# how long a run goes on after the backup first answered (late answers from the old master are
# violations); the Tandem side watches 5 s after the address, record and registration moved
AFTER_MOVE = 5.0


def one_run(tag, advert, window, work, delay_ms=0.0, loss_pct=0.0, fault="site-loss"):
    """One fault (FAULTS) on site a; returns (client events as (t, "sip", site), fault time)."""
    with Topology(tag, advert, delay_ms, loss_pct, work) as topo:
        settle = max(8.0, 4 * advert + 2)
        prober = Prober(topo, settle + window)
        th = threading.Thread(target=prober.run, daemon=True)
        th.start()
        # Bounded: wait for site a to answer through the public address and site b to be a backup
        # (its first check may fail while its responder starts: FAULT until `rise` successes)
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline and not (any(s == "a" for _, s in prober.answers[-5:])
                                                   and topo.backup_ready("b")):
            time.sleep(0.05)
        if not any(s == "a" for _, s in prober.answers):
            raise RuntimeError("site a never answered through %s" % VIP)
        if not topo.backup_ready("b"):
            raise RuntimeError("site b never entered BACKUP state (%s)" % topo.work)
        # a fault at a random phase of the 1 s health check and of the adverts (the wait above ends
        # right after one of b's checks, and both sites' checks started together)
        time.sleep(random.random())
        fault_at = time.clock_gettime(time.CLOCK_MONOTONIC)
        if fault == "site-loss":
            topo.site_loss("a")
        elif fault == "pbx-crash":
            topo.pbx_crash("a")
        elif fault == "agent-crash":
            topo.agent_crash("a")
        else:
            raise ValueError(fault)
        # both links stay up in a PBX or agent crash: two sites carrying the address at once is the
        # same violation the Tandem side checks (sampled every 100 ms). The run ends AFTER_MOVE
        # after site b first answered (answers from a after that are violations, as on the Tandem
        # side), or `window` after the fault if it never does.
        both = []
        end = time.monotonic() + window
        while th.is_alive() and time.monotonic() < end:
            if fault != "site-loss" and len(topo.carriers()) > 1:
                both.append(time.clock_gettime(time.CLOCK_MONOTONIC))
            moved = next((t for t, s in prober.answers if s == "b" and t >= fault_at), None)
            if moved is not None:
                end = min(end, time.monotonic() + AFTER_MOVE)
            th.join(timeout=0.1)
        prober.stop()
        th.join(timeout=30)
        return [(t, "sip", s) for t, s in prober.answers], fault_at, both
