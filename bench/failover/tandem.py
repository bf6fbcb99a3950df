"""The Tandem side of scripts/bench-failover: the product as users run it, in namespaces.

Namespaces (tag-a, tag-b, tag-w, tag-c, tag-lan), one L2 segment:
- a, b: a site each. `tandem sim-pbx` (AMI on 127.0.0.1:5038, SIP OPTIONS on 127.0.0.1:15060;
  it listens on loopback only), a UDP relay from the site's port 5060 (any address, so also the
  service address) to that SIP port — the part of a real PBX that answers on the public address —
  an sshd (the VIP mover reaches the other site's host with `ssh -o BatchMode=yes <host> -- ip
  ...`), and `tandem agent` through `packaging/bin/tandem`.
- w: `tandem witness` (built-in witness).
- c: the carrier / internet: BIND 9 (zone tandem.test., RFC 2136 updates signed with TSIG, as the
  testkit's RunningBind9 starts it), Kamailio (the testkit's registrar config: digest auth,
  usrloc, JSON-RPC) and the outside client (probe.py).
The service address 10.77.0.10/24 is moved by the product's LinuxVipMover (`ip addr add` in the
agent's namespace, gratuitous ARP); the DNS record sip.tandem.test. and the registration of trunk
`trunk1` follow the active site.

ssh: the agent's PATH starts with a directory holding an `ssh` that runs the system's ssh with a
config file naming this run's key (what ~/.ssh/config does for an operator); everything else is
the real OpenSSH client and server.
"""
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time

from netlab import Net, sh

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAUNCHER = os.path.join(ROOT, "packaging", "bin", "tandem")
KAMAILIO_CFG = os.path.join(ROOT, "sim", "src", "main", "resources", "io", "tandem", "sim", "peer",
                            "internal", "kamailio.cfg")
# the jar every process runs (scripts/bench-failover sets it to a copy made when the bench starts)
CHECKOUT_JAR = os.path.join(ROOT, "app", "target", "tandem.jar")
JAR = CHECKOUT_JAR
# The ahead-of-time caches the agents and the witness start from, as their systemd units do
# (packaging/systemd: TANDEM_AOT_DIR, recorded by tandem-aot before the start); the fence guard's
# unit has none. Set by scripts/bench-failover ({"agent": dir, "witness": dir}); empty: no cache.
AOT = {}
MEMBERS = {"a": 1, "b": 2, "w": 5, "c": 100}
VIP = "10.77.0.10"
MGMT_PORT = 17481

# Timing profiles, written into the generated cluster file (keys of docs/configuration.md).
PROFILES = {
    "classic": {"tick": "1s", "ticketTtl": "10s", "witnessGrace": "2s", "driftMargin": "300ms",
                "retryTimeout": "1s", "sensorInterval": "2s", "sensorTimeout": "1s", "fall": 3,
                "rise": 2},
    "adr0007": {"tick": "100ms", "ticketTtl": "2s", "renewInterval": "300ms", "witnessGrace": "300ms",
                "driftMargin": "100ms", "retryTimeout": "500ms", "fenceLead": "300ms",
                "sensorInterval": "500ms", "sensorTimeout": "400ms", "fall": 2, "rise": 2},
    # Timings.fast() (ADR 0007 decision 6; TwoAgentFailoverTest runs the assembled agents at it)
    "fast": {"tick": "50ms", "ticketTtl": "500ms", "renewInterval": "100ms", "witnessGrace": "100ms",
             "driftMargin": "25ms", "retryTimeout": "100ms", "fenceLead": "100ms",
             "sensorInterval": "500ms", "sensorTimeout": "400ms", "fall": 2, "rise": 2},
    # no timings block: whatever the jar ships as its defaults when the bench runs
    "shipped": None,
}
# Longest time a failover may take per profile (window measured after a fault).
WINDOW = {"classic": 40.0, "adr0007": 15.0, "fast": 12.0, "shipped": 40.0}
# How long a fault after which the service need not move (witness loss, partition, agent crash) is
# watched when nothing moves: a wrongful move starts within the ticket's TTL + grace and completes
# within a few seconds more, so several TTLs are enough (shipped: ADR 0007's TTL 2 s + grace
# 0.3 s; classic: TTL 10 s + grace 2 s). A run that moves is watched until it completed (WINDOW).
QUIET = {"classic": 40.0, "adr0007": 15.0, "fast": 12.0, "shipped": 15.0}

RELAY = r"""
import select, socket, sys
up = ("127.0.0.1", int(sys.argv[1]))
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
front.bind(("0.0.0.0", 5060))
backs = {}   # client address -> socket towards the PBX
owner = {}
while True:
    r, _, _ = select.select([front] + list(backs.values()), [], [])
    for s in r:
        data, peer = s.recvfrom(65535)
        if s is front:
            b = backs.get(peer)
            if b is None:
                b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                b.bind(("127.0.0.1", 0))
                backs[peer] = b
                owner[b] = peer
            try:
                b.sendto(data, up)
            except OSError:
                pass
        else:
            front.sendto(data, owner[s])
"""


def profile_timings(name):
    t = PROFILES[name]
    if t is None:
        return ""
    return "timings: { " + ", ".join("%s: %s" % (k, v) for k, v in t.items()) + " }\n"


class TandemCluster:
    """One cluster (witness, two agents, two PBXs, BIND, Kamailio) in one run's namespaces."""

    def __init__(self, tag, profile, work, impair=None, use_netem=False, log=print, shape="vip"):
        self.shape = shape  # "vip": address + DNS + trunk; "dns": DNS + trunk (no VIP)
        self.tag, self.profile, self.work, self.log = tag, profile, work, log
        self.net = Net(tag, MEMBERS, impair=impair, use_netem=use_netem)
        self.procs = {}
        self.env = dict(os.environ)
        self.env.update({
            "AMI_SECRET": secrets.token_hex(12),
            "TSIG_SECRET": base64.b64encode(secrets.token_bytes(32)).decode(),
            "TRUNK_SECRET": secrets.token_hex(8),
            "WS_A": secrets.token_hex(20), "WS_B": secrets.token_hex(20),
            "TANDEM_PEER_SECRET": secrets.token_hex(24),
            "TANDEM_ADMIN_PASSWORD": secrets.token_hex(12),
            "TANDEM_KEYSTORE_PASSWORD": secrets.token_hex(12),
            "PATH": os.path.join(work, "bin") + ":" + os.environ.get("PATH", ""),
        })
        self.started = {}

    # ---------------------------------------------------------------- set-up
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
        # a copy of the jar: a rebuild of app/target/tandem.jar must not change running processes
        # (scripts/bench-failover points JAR at its own copy, made once for the whole bench run)
        jar = JAR
        if jar == CHECKOUT_JAR:
            self.env["TANDEM_JAR"] = os.path.join(self.work, "tandem.jar")
            subprocess.run(["cp", jar, self.env["TANDEM_JAR"]], check=True)
        else:  # already a private copy, made once for the whole bench run
            self.env["TANDEM_JAR"] = jar
        self.net.build()
        for m in ("a", "b", "w"):  # the lab check's echo (netlab.ECHO_PORT, UDP and TCP)
            self.net.start_echo(m)
        self._files()
        self._start_bind()
        self._start_kamailio()
        self.start_witness()
        for s in ("a", "b"):
            self.start_host(s)
        self.start_agent("a")
        self.wait(lambda: self.active() == "a", 240, "site a active")
        self.start_agent("b")
        self.wait_stable("a", 240)

    def _files(self):
        w = self.work
        os.makedirs(os.path.join(w, "bin"), exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(w, "id")], check=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(w, "hostkey")], check=True)
        with open(os.path.join(w, "id.pub")) as f, open(os.path.join(w, "authorized_keys"), "w") as o:
            o.write(f.read())
        os.chmod(os.path.join(w, "authorized_keys"), 0o600)
        with open(os.path.join(w, "ssh_config"), "w") as f:
            f.write("Host *\n  User root\n  IdentityFile %s/id\n  IdentitiesOnly yes\n"
                    "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
                    "  ConnectTimeout 1\n" % w)
        ssh = os.path.join(w, "bin", "ssh")
        with open(ssh, "w") as f:
            f.write("#!/bin/sh\nexec /usr/bin/ssh -F %s/ssh_config \"$@\"\n" % w)
        os.chmod(ssh, 0o755)
        os.makedirs("/run/sshd", exist_ok=True)
        self._tls()
        sites = ""
        for s, prio in (("a", 1), ("b", 2)):
            sites += """  - name: {s}
    kind: onprem
    priority: {prio}
    region: room
    managementAddress: {addr}:{port}
    pbx: {{ type: asterisk, host: 127.0.0.1, port: 5038, user: tandem, secret: "${{env:AMI_SECRET}}" }}
{vip_block}    sensors:
      - {{ name: sip, kind: sip-options, critical: true, params: {{ target: "sip:127.0.0.1:15060" }} }}
      - {{ name: ami, kind: ami-ping, critical: true }}
""".format(s=s, prio=prio, addr=self.net.addr(s), port=MGMT_PORT,
           vip_block="" if self.shape == "dns" else
           "    serviceAddresses:\n      - {{ kind: vip, name: voip, address: {vip}/24, interface: v{s},"
           " host: {addr} }}\n".format(vip=VIP, s=s, addr=self.net.addr(s)).replace("{{", "{").replace("}}", "}"))
        conf = """cluster: bench
sites:
{sites}dns:
  - provider: rfc2136
    zone: tandem.test.
    name: sip.tandem.test.
    type: A
    ttl: 5
    values: {{ a: {a}, b: {b} }}
    rfc2136: {{ server: {c}, port: 53, tsigKeyName: tandem-key., tsigAlgorithm: hmac-sha256, tsigSecret: "${{env:TSIG_SECRET}}" }}
trunks:
  - name: carrier
    registrar: sip:{c}:5060
    user: trunk1
    secret: "${{env:TRUNK_SECRET}}"
    expires: 60s
    contacts: {{ a: "sip:trunk1@{a}:5060", b: "sip:trunk1@{b}:5060" }}
witness:
  kind: builtin
  endpoints: [ "https://{wa}:17443" ]
  listen: {wa}:17443
  dataDir: {work}/witness
  siteSecrets: {{ a: "${{env:WS_A}}", b: "${{env:WS_B}}" }}
{timings}""".format(sites=sites, a=self.net.addr("a"), b=self.net.addr("b"), c=self.net.addr("c"),
                    wa=self.net.addr("w"), work=w, timings=profile_timings(self.profile))
        self.cluster_file = os.path.join(w, "cluster.yaml")
        with open(self.cluster_file, "w") as f:
            f.write(conf)

    def _tls(self):
        """A CA, a certificate per host (IP subject alternative names), PKCS#12 stores."""
        w, pw = self.work, self.env["TANDEM_KEYSTORE_PASSWORD"]
        ssl = lambda *a: subprocess.run(["openssl"] + list(a), check=True, capture_output=True, cwd=w)
        ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=bench-ca", "-keyout", "ca.key", "-out", "ca.pem")
        for m in ("a", "b", "w"):
            ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + m,
                "-keyout", m + ".key", "-out", m + ".csr")
            with open(os.path.join(w, m + ".ext"), "w") as f:
                f.write("subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n" % self.net.addr(m))
            ssl("x509", "-req", "-in", m + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", m + ".ext", "-out", m + ".pem")
            ssl("pkcs12", "-export", "-inkey", m + ".key", "-in", m + ".pem", "-certfile", "ca.pem",
                "-name", m, "-out", m + ".p12", "-passout", "pass:" + pw)
        keytool = os.path.join(subprocess.run([os.path.join(ROOT, "scripts", "java-home")], check=True,
                                              capture_output=True, text=True).stdout.strip(), "bin", "keytool")
        subprocess.run([keytool, "-importcert", "-noprompt", "-alias", "bench-ca", "-file", "ca.pem",
                        "-keystore", "trust.p12", "-storetype", "PKCS12", "-storepass", pw],
                       check=True, capture_output=True, cwd=w)

    def _start(self, key, member, cmd, env=None):
        log = open(os.path.join(self.work, key + ".log"), "a")
        self.procs[key] = subprocess.Popen(["ip", "netns", "exec", self.net.ns[member]] + cmd,
                                           stdout=log, stderr=subprocess.STDOUT, env=env or self.env,
                                           cwd=self.work, start_new_session=True)
        self.started[key] = time.monotonic()

    def kill(self, key):
        p = self.procs.pop(key, None)
        if p is None:
            return
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def _start_bind(self):
        d = os.path.join(self.work, "bind")
        os.makedirs(d, exist_ok=True)
        c = self.net.addr("c")
        with open(os.path.join(d, "named.conf"), "w") as f:
            f.write("""options {{ directory "{d}"; pid-file "{d}/named.pid"; session-keyfile "{d}/session.key";
  managed-keys-directory "{d}"; listen-on port 53 {{ {c}; }}; listen-on-v6 {{ none; }}; recursion no;
  dnssec-validation no; notify no; allow-query {{ any; }}; }};
controls {{ }};
logging {{ channel e {{ stderr; severity info; print-time yes; }}; category default {{ e; }}; }};
key "tandem-key" {{ algorithm hmac-sha256; secret "{s}"; }};
zone "tandem.test." {{ type primary; file "{d}/tandem.test.zone"; allow-update {{ key "tandem-key"; }}; }};
""".format(d=d, c=c, s=self.env["TSIG_SECRET"]))
        with open(os.path.join(d, "tandem.test.zone"), "w") as f:
            f.write("$TTL 60\n@ IN SOA ns.tandem.test. hostmaster.tandem.test. ( 1 3600 600 86400 60 )\n"
                    "@ IN NS ns.tandem.test.\nns IN A %s\nsip IN A 192.0.2.10\n" % c)
        self._start("named", "c", ["named", "-g", "-c", os.path.join(d, "named.conf"), "-n", "1", "-4"])

    def _start_kamailio(self):
        d = os.path.join(self.work, "kamailio")
        os.makedirs(d, exist_ok=True)
        with open(KAMAILIO_CFG) as f:
            tpl = f.read().replace("listen=udp:127.0.0.1:", "listen=udp:%s:" % self.net.addr("c")) \
                .replace("listen=tcp:127.0.0.1:TK_SIP_PORT", "listen=tcp:%s:TK_SIP_PORT" % self.net.addr("c"))
        head = "\n".join(["#!KAMAILIO"] + ['#!substdef "!%s!%s!g"' % kv for kv in (
            ("TK_SIP_PORT", "5060"), ("TK_HTTP_PORT", "5080"), ("TK_RUN_DIR", d),
            ("TK_DOMAIN", "tandem.test"), ("TK_ALGORITHM", "MD5"))]) + "\n"
        cfg = os.path.join(d, "kamailio.cfg")
        with open(cfg, "w") as f:
            f.write(head + tpl)
        self._start("kamailio", "c", ["kamailio", "-f", cfg, "-DD", "-E", "-m", "32", "-M", "4", "-Y", d])
        self.wait(lambda: self.rpc("core.version") is not None, 30, "kamailio JSON-RPC")
        self.rpc("htable.sets", "users", "trunk1", self.env["TRUNK_SECRET"])

    def rpc(self, method, *params):
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1})
        r = sh("curl", "-s", "-m", "2", "-H", "Content-Type: application/json", "--data-binary", body,
               "http://127.0.0.1:5080/RPC", ns=self.net.ns["c"], check=False)
        if r.returncode != 0 or not r.stdout:
            return None
        try:
            return json.loads(r.stdout).get("result")
        except ValueError:
            return None

    def start_witness(self):
        env = dict(self.env, TANDEM_WITNESS_KEYSTORE_PASSWORD=self.env["TANDEM_KEYSTORE_PASSWORD"])
        if AOT.get("witness"):
            env["TANDEM_AOT_DIR"] = AOT["witness"]
        self._start("witness", "w", [LAUNCHER, "witness", "--config", self.cluster_file, "--tls-keystore",
                                     os.path.join(self.work, "w.p12")], env=env)

    def start_host(self, s):
        """What a site's host runs besides the agent: sshd, the PBX and its public SIP port."""
        cfg = os.path.join(self.work, "sshd-%s.conf" % s)
        with open(cfg, "w") as f:
            f.write("ListenAddress %s\nPort 22\nHostKey %s/hostkey\nAuthorizedKeysFile %s/authorized_keys\n"
                    "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\nPidFile %s/sshd-%s.pid\n"
                    % (self.net.addr(s), self.work, self.work, self.work, s))
        self._start("sshd-" + s, s, ["/usr/sbin/sshd", "-D", "-e", "-f", cfg])
        self.start_pbx(s)
        self._start("relay-" + s, s, [sys.executable, "-c", RELAY, "15060"])
        # the watchdog beside the PBX, started before the agent (packaging/systemd)
        self._start("guard-" + s, s, [LAUNCHER, "fence-guard", "--config", self.cluster_file, "--site", s,
                                      "--data-dir", os.path.join(self.work, "data-" + s)])

    def start_pbx(self, s):
        self._start("pbx-" + s, s, [LAUNCHER, "sim-pbx", "--name", s, "--manager-port", "5038",
                                    "--sip-port", "15060"])

    def run_ids(self, s):
        d = os.path.join(self.work, "data-" + s, "reports")
        return [f for f in os.listdir(d) if f.endswith(".json")] if os.path.isdir(d) else []

    def reports(self, s, exclude=()):
        out = []
        for f in sorted(set(self.run_ids(s)) - set(exclude)):
            try:
                with open(os.path.join(self.work, "data-" + s, "reports", f)) as fh:
                    out.append(json.load(fh))
            except (OSError, ValueError):
                pass
        return out

    def decision_to_first_step(self, s, exclude):
        """From the site's run reports: decision -> the first step started (ms), first run after the fault."""
        from datetime import datetime
        for r in self.reports(s, exclude):
            dec = (r.get("rto") or {}).get("decisionMillis")
            starts = [x.get("startedAt") for x in r.get("steps", []) if x.get("startedAt")]
            if dec is None or not starts:
                continue
            p = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")[:26] + "+00:00"
                                                 if len(v.replace("Z", "")) > 26 else v.replace("Z", "+00:00"))
            first = min(p(x) for x in starts)
            return round(dec + (first - p(r["startedAt"])).total_seconds() * 1000, 1)
        return None

    def decided_at(self, s, exclude):
        """From the site's run reports: when the first run after the fault was decided (epoch seconds)."""
        from datetime import datetime
        for r in self.reports(s, exclude):
            dec = (r.get("rto") or {}).get("decisionMillis")
            if dec is None or not r.get("startedAt"):
                continue
            v = r["startedAt"].replace("Z", "")
            whole, _, frac = v.partition(".")
            started = datetime.fromisoformat(whole + "+00:00").timestamp() + (float("0." + frac) if frac else 0.0)
            return started - dec / 1000.0
        return None

    def start_agent(self, s):
        sock = os.path.join(self.work, "data-" + s, "fence-guard.sock")
        self.wait(lambda: os.path.exists(sock), 120, "fence guard of site %s listening" % s)
        env = dict(self.env, TANDEM_TLS_KEYSTORE=os.path.join(self.work, s + ".p12"),
                   TANDEM_TLS_TRUSTSTORE=os.path.join(self.work, "trust.p12"),
                   TANDEM_TRUSTSTORE_PASSWORD=self.env["TANDEM_KEYSTORE_PASSWORD"])
        if AOT.get("agent"):
            env["TANDEM_AOT_DIR"] = AOT["agent"]
        self._start("agent-" + s, s, [LAUNCHER, "agent", "--config", self.cluster_file, "--site", s,
                                      "--data-dir", os.path.join(self.work, "data-" + s)], env=env)

    # ---------------------------------------------------------------- observation
    def status(self, s):
        r = sh("curl", "-s", "-m", "2", "-u", "admin:" + self.env["TANDEM_ADMIN_PASSWORD"],
               "--cacert", os.path.join(self.work, "ca.pem"),
               "https://%s:%d/api/v1/status" % (self.net.addr(s), MGMT_PORT), ns=self.net.ns["c"],
               check=False)
        try:
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout else None
        except ValueError:
            return None

    def get(self, s, path):
        r = sh("curl", "-s", "-m", "5", "-u", "admin:" + self.env["TANDEM_ADMIN_PASSWORD"],
               "--cacert", os.path.join(self.work, "ca.pem"),
               "https://%s:%d%s" % (self.net.addr(s), MGMT_PORT, path), ns=self.net.ns["c"], check=False)
        try:
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout else None
        except ValueError:
            return None

    def witness_up(self):
        r = sh("curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
               os.path.join(self.work, "ca.pem"), "https://%s:17443/witness/v1/health" % self.net.addr("w"),
               ns=self.net.ns["a"], check=False)
        return r.stdout.strip() not in ("", "000")

    def states(self, via):
        st = self.status(via)
        if not st:
            return None
        return {x.get("name"): x.get("state") for x in st.get("sites", [])}, st.get("activeSite")

    def active(self):
        for s in ("a", "b"):
            st = self.status(s)
            if st and st.get("activeSite"):
                return st.get("activeSite")
        return None

    def carriers(self):
        out = []
        for s in ("a", "b"):
            r = sh("ip", "-o", "-4", "addr", "show", "dev", "v" + s, ns=self.net.ns[s], check=False)
            if " %s/" % VIP in r.stdout:
                out.append(s)
        return out

    def dig(self):
        r = sh("dig", "+short", "+time=1", "+tries=1", "@" + self.net.addr("c"), "sip.tandem.test", "A",
               ns=self.net.ns["c"], check=False)
        return r.stdout.strip()

    def contacts(self):
        res = self.rpc("ul.dump") or {}
        hosts = []
        for d in res.get("Domains", []):
            for a in d.get("Domain", {}).get("AoRs", []):
                info = a.get("Info", {})
                if info.get("AoR") == "trunk1":
                    for c in info.get("Contacts", []):
                        hosts.append(c.get("Contact", {}).get("Address", "").split("@")[-1].split(":")[0])
        return sorted(hosts)

    def stable(self, active):
        """One active site serving at the address, DNS and registrar; the other a standby."""
        other = "b" if active == "a" else "a"
        sa, sb = self.status(active), self.status(other)
        if not sa or not sb:
            return False
        st = {x.get("name"): x.get("state") for x in sb.get("sites", [])}
        # the standby as the active site sees it (its peer report): healthy, so the holder can hand
        # over to it at once (PeerView.bestReady). Without this a PBX crash right after a restore
        # found the restarted PBX's site still unhealthy (its AMI session reconnects every 2 s,
        # then rise 2) and the holder waited 2-3 s with UNHEALTHY_NO_BETTER_PEER.
        ready = {x.get("name"): bool(x.get("healthy")) for x in sa.get("sites", [])}
        seen = (sa.get("activeSite"), sb.get("activeSite"), st.get(other), ready.get(other), self.carriers(),
                self.dig(), self.contacts())
        want = (active, active, "STANDBY", True, [active] if self.shape == "vip" else [], self.net.addr(active),
                [self.net.addr(active)])
        if seen != want and seen != getattr(self, "_last_seen", None):
            self.log("  waiting: active per %s/%s, %s's state, ready, VIP on, DNS, registrar = %s, want %s"
                     % (active, other, other, seen, want))
        self._last_seen = seen
        return seen == want

    def wait_stable(self, active, timeout):
        self.wait(lambda: self.stable(active), timeout, "site %s active and serving, the other a standby" % active)

    def wait(self, cond, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.5)
        raise TimeoutError("%s: not reached within %d s (logs in %s)" % (what, timeout, self.work))

    def close(self):
        for key in list(self.procs):
            self.kill(key)
        self.net.close()
