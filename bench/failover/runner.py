"""Fault classes, the outside client's verdict and the safety check (scripts/bench-failover)."""
import os
import subprocess
import sys
import threading
import time

from tandem import VIP

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py")

FAULTS = {
    "site-loss": "site loss: the active site's link down + kill -9 of everything on it",
    "pbx-crash": "PBX crash: kill -9 of the active site's PBX, its agent alive",
    "agent-crash": "agent crash alone: kill -9 of the active agent, the PBX keeps serving",
    "partition": "partition of the active site from the witness only (nftables drop, both ways)",
    "witness-loss": "witness loss: the witness's link down + kill -9",
}
# What the product must do: "move" (RTO measured), "stay" (nothing may move) or "either"
# (no move, or a move without two sites answering: measured and reported).
EXPECT = {"site-loss": "move", "pbx-crash": "move", "agent-crash": "either", "partition": "either",
          "witness-loss": "stay"}


class Probe:
    """probe.py in the client namespace for `seconds`; lines collected as (t, kind, value)."""

    def __init__(self, ns, seconds, extra=()):
        self.events = []
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, PROBE, str(seconds), VIP]
                                  + list(extra), stdout=subprocess.PIPE, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        self.seconds = seconds

    def _read(self):
        for line in self.p.stdout:
            parts = line.split()
            if len(parts) == 3:
                self.events.append((float(parts[0]), parts[1], parts[2]))

    def last(self, kind):
        for t, k, v in reversed(self.events):
            if k == kind:
                return v
        return None

    def wait_for(self, kind, value, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(k == kind and v == value for _, k, v in self.events[-20:]):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()

    def join(self):
        self.p.wait(timeout=self.seconds + 30)
        self.t.join(timeout=5)


class CarrierMonitor(threading.Thread):
    """Samples which site namespaces carry the VIP (every 100 ms) while both links are up."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.stop_at, self.both = cluster, None, []
        self.links_up = True

    def run(self):
        while self.stop_at is None or time.monotonic() < self.stop_at:
            if self.links_up:
                c = self.cluster.carriers()
                if len(c) > 1 and self.links_up:
                    self.both.append(time.clock_gettime(time.CLOCK_MONOTONIC))
            time.sleep(0.1)


def verdict(events, fault_at, old, new, old_addr, new_addr, expect, end_at):
    """RTO and safety from the client's observations (times: CLOCK_MONOTONIC seconds)."""
    after = [e for e in events if e[0] >= fault_at]
    first = {}
    for t, k, v in after:
        key = (k, v)
        first.setdefault(key, t)
    sip_new = first.get(("sip", new))
    dns_new = first.get(("dns", new_addr)) if new_addr else None
    reg_new = first.get(("reg", new_addr)) if new_addr else None
    out = {"sipMillis": ms(sip_new, fault_at), "dnsMillis": ms(dns_new, fault_at),
           "registrarMillis": ms(reg_new, fault_at)}
    parts = [sip_new] + ([dns_new, reg_new] if new_addr else [])
    moved = sip_new is not None
    out["moved"] = moved
    out["rtoMillis"] = ms(max(parts), fault_at) if all(p is not None for p in parts) else None
    sips = [t for t, k, v in events if k == "sip" and t >= fault_at]
    before = [t for t, k, v in events if k == "sip" and t < fault_at]
    prev = before[-1] if before else fault_at
    gap = 0.0
    for t in sips + [end_at]:
        gap = max(gap, t - prev)
        prev = t
    out["longestSilenceMillis"] = round(gap * 1000, 1)
    counts = {}
    for t, k, v in after:
        if k in ("sip", "sip!"):
            counts[k + ":" + v] = counts.get(k + ":" + v, 0) + 1
    out["answersAfterFault"] = counts
    # who answered in the window's last second: for "stay" and "either" classes this says whether
    # the service outlived the fault (the old site), moved (the new one) or stopped (nobody)
    tail = {v for t, k, v in after if k == "sip" and t >= end_at - 1.0}
    out["answeringAtEnd"] = sorted(tail)
    # the INVITE probe after the fault: 503 = the site at the public address refuses new calls
    # (null for keepalived's runs: its own prober sends OPTIONS only)
    out["invites"] = invites(events, fault_at, end_at) if any(k == "inv" for _, k, _ in events) else None
    out["dnsAfterFault"] = [v for t, k, v in after if k == "dns"]
    out["registrarAfterFault"] = [v for t, k, v in after if k == "reg"]
    violations = []
    if sip_new is not None:
        late = [t for t, k, v in after if k == "sip" and v == old and t > sip_new]
        if late:
            violations.append("%d answers from the old site %s after the new site %s served (last %.0f ms "
                              "after the fault)" % (len(late), old, new, (late[-1] - fault_at) * 1000))
    if expect == "stay":
        if moved:
            violations.append("the service moved to %s during a fault where nothing may move" % new)
        if dns_new is not None:
            violations.append("the DNS record moved to %s during a fault where nothing may move" % new_addr)
        if reg_new is not None:
            violations.append("the registration moved to %s during a fault where nothing may move" % new_addr)
    if expect == "move" and not moved:
        out["failure"] = "the service never answered from %s within the window" % new
    return out, violations


# The outside INVITE probe (probe.py): an answer 503 from the site at the public address means its
# PBX refuses new calls (fenced by its guard or its agent); 480 that the call passed the fence gate.
# A soak allows the serving site one refusal shorter than a tick + REFUSED_ALLOWANCE_S: the probe's
# own spacing (200 ms) plus the agent hearing the guard's fence and activating again (a guard fence
# of a site that still holds its ticket is undone by a re-activation under the same epoch,
# docs/witness-protocol.md "The fence guard"; 63 ms + 0.26 s in GuardFenceUnderValidTicketTest).
REFUSED_ALLOWANCE_S = 1.0


def invites(events, t_from, t_to):
    """What the INVITE probe saw between t_from and t_to: answers 503 (refused), 480 (past the
    gate), other codes, unanswered, and the stretches of 503s from one site (a stretch runs from
    its first 503 to the first other answer from anyone, or to t_to; unanswered INVITEs inside it
    neither end nor shorten it)."""
    out = {"refused503": 0, "passed480": 0, "otherAnswers": {}, "unanswered": 0}
    stretches, cur = [], None
    for t, k, v in events:
        if k != "inv" or t < t_from or t > t_to:
            continue
        code, _, site = v.partition(":")
        if code == "none":
            out["unanswered"] += 1
            continue
        if code == "503":
            out["refused503"] += 1
            if cur is not None and cur["site"] != site:
                stretches.append(dict(cur, millis=round((t - cur["t"]) * 1000, 1)))
                cur = None
            if cur is None:
                cur = {"site": site, "t": t, "atMillis": round((t - t_from) * 1000, 1), "answers": 0}
            cur["answers"] += 1
            continue
        if code == "480":
            out["passed480"] += 1
        else:
            out["otherAnswers"][code] = out["otherAnswers"].get(code, 0) + 1
        if cur is not None:
            stretches.append(dict(cur, millis=round((t - cur["t"]) * 1000, 1)))
            cur = None
    if cur is not None:
        stretches.append(dict(cur, millis=round((t_to - cur["t"]) * 1000, 1), open=True))
    for x in stretches:
        del x["t"]
    out["refusedStretches"] = stretches
    out["longestRefusedMillis"] = max((x["millis"] for x in stretches), default=0.0)
    return out


def refused_violations(inv, tick_s, allowance_s=REFUSED_ALLOWANCE_S):
    """The soak's availability check: every stretch of 503s from the serving site (the one at the
    public address) longer than one tick + allowance_s is a violation."""
    bound = (tick_s + allowance_s) * 1000
    return ["the serving site %s refused INVITEs (503: its PBX fenced) for %.0f ms from %.0f ms into the "
            "soak (%d answers 503%s), longer than one tick + %.0f ms = %.0f ms"
            % (x["site"], x["millis"], x["atMillis"], x["answers"], ", still refusing at the end" if x.get("open")
               else "", allowance_s * 1000, bound)
            for x in inv["refusedStretches"] if x["millis"] > bound]


def ms(t, t0):
    return None if t is None else round((t - t0) * 1000, 1)


def tandem_run(cluster, fault, window, log, restore_after=True):
    """One fault on the active site (or the witness); returns the run's record and restores."""
    old = cluster.active()
    if old not in ("a", "b"):
        raise RuntimeError("no active site before the fault")
    new = "b" if old == "a" else "a"
    c = cluster
    probe = Probe(c.net.ns["c"], window + 10,
                  ["--dns", c.net.addr("c"), "sip.tandem.test", "--rpc", "127.0.0.1:5080", "trunk1"]
                  + (["--sip-via-dns"] if c.shape == "dns" else []))
    mon = CarrierMonitor(c)
    mon.start()
    try:
        if not probe.wait_for("sip", old, 10):
            raise RuntimeError("the client never heard site %s at %s before the fault" % (old, VIP))
        time.sleep(0.5)
        reports_before = {s: set(c.run_ids(s)) for s in ("a", "b")}
        fault_at = time.clock_gettime(time.CLOCK_MONOTONIC)
        fault_wall = time.time()  # the agents' reports carry wall-clock instants (same host clock)
        if fault == "site-loss":
            mon.links_up = False
            c.net.link(old, False)
            for k in ("agent-", "guard-", "pbx-", "relay-", "sshd-"):
                c.kill(k + old)
        elif fault == "pbx-crash":
            c.kill("pbx-" + old)
        elif fault == "agent-crash":
            c.kill("agent-" + old)
        elif fault == "partition":
            c.net.partition(old, "w", True)
        elif fault == "witness-loss":
            c.net.link("w", False)
            c.kill("witness")
        else:
            raise ValueError(fault)
        if fault in ("partition", "witness-loss"):
            # renewals travel as UDP datagrams beside HTTPS: the cut must stop both (netlab.LabError
            # if not; ends the bench with exit 3). About 2.5 s; the client keeps observing meanwhile
            c.net.expect_cut(old, "w", fault)
        # a move is watched until the address, the record and the registration name the new site,
        # and 5 s more (answers from the old site after that are violations); the rest the window
        deadline = time.monotonic() + window
        done_at = None
        while time.monotonic() < deadline and probe.p.poll() is None:
            if EXPECT[fault] != "stay" and done_at is None and all(
                    any(k == kind and v == val and t >= fault_at for t, k, v in probe.events)
                    for kind, val in (("sip", new), ("dns", c.net.addr(new)), ("reg", c.net.addr(new)))):
                done_at = time.monotonic()
            if done_at is not None and time.monotonic() > done_at + 5:
                break
            time.sleep(0.2)
        probe.stop()
        probe.join()
        end_at = time.clock_gettime(time.CLOCK_MONOTONIC)
        mon.stop_at = time.monotonic()
        rec, violations = verdict(probe.events, fault_at, old, new, c.net.addr(old), c.net.addr(new),
                                  EXPECT[fault], end_at)
        if mon.both:
            violations.append("both sites carried %s at once while both links were up (%d samples)"
                              % (VIP, len(mon.both)))
        rec.update({"fault": fault, "from": old, "to": new, "violations": violations})
        rec["decisionToFirstStepMillis"] = c.decision_to_first_step(new, reports_before[new]) \
            if rec["moved"] else None
        # issue 17.2, orchestration overhead: the new site's decision (its run report) -> service
        # verified from outside (address answering, record and registration naming it: the RTO)
        decided = c.decided_at(new, reports_before[new]) if rec["moved"] else None
        rec["decisionToServiceMillis"] = round(fault_wall * 1000 + rec["rtoMillis"] - decided * 1000, 1) \
            if decided is not None and rec.get("rtoMillis") is not None else None
        return rec
    finally:
        mon.stop_at = time.monotonic()
        if restore_after:  # not after the last run: the cluster is torn down anyway
            restore(c, fault, old, log)


def restore(c, fault, old, log):
    t0 = time.monotonic()
    if fault == "site-loss":
        # the host reboots: the address it carried is gone, then it comes back as a standby
        subprocess.run(["ip", "-n", c.net.ns[old], "addr", "del", VIP + "/24", "dev", "v" + old],
                       capture_output=True)
        c.net.link(old, True)
        c.start_host(old)
        c.start_agent(old)
    elif fault == "pbx-crash":
        c.start_pbx(old)
    elif fault == "agent-crash":
        c.start_agent(old)
    elif fault == "partition":
        c.net.partition(old, "w", False)
    elif fault == "witness-loss":
        c.net.link("w", True)
        c.start_witness()
        c.wait(c.witness_up, 180, "the witness answering again")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        active = c.active()
        if active in ("a", "b") and c.stable(active):
            log("  restored in %.0f s (active: %s)" % (time.monotonic() - t0, active))
            return
        time.sleep(1)
    raise TimeoutError("the cluster did not settle within 300 s after %s (logs in %s)" % (fault, c.work))
