package io.tandem.app.lab;

import io.tandem.app.agent.AgentDriver;
import io.tandem.core.health.SiteHealthMonitor;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipTrunkRegistrar;
import io.tandem.sim.lab.SimSipServer;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxModel;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated site of the lab: its PBX (SIP over UDP and AMI over TCP), the agent's SIP endpoint,
 * health monitor, decision loop driver, runbook engine and trunk registrar. Fields are set once by
 * {@link LabCluster} while starting.
 */
final class LabSite implements AutoCloseable {

  final String name;
  final String kind;
  final int priority;

  /** The site's own public address as carriers see it (a documentation address: a label only). */
  final String publicIp;

  SimSipServer pbx;
  PbxModel pbxModel;
  AmiServer ami;
  AmiPbxControl amiControl;
  SipEndpoint sip;
  SiteHealthMonitor health;
  AgentDriver agent;
  RunbookEngine engine;
  ReportStore reports;
  SipTrunkRegistrar registrar;
  volatile boolean crashed;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  LabSite(String name, String kind, int priority, String publicIp) {
    this.name = name;
    this.kind = kind;
    this.priority = priority;
    this.publicIp = publicIp;
  }

  <T extends AutoCloseable> T own(T c) {
    closeables.add(c);
    return c;
  }

  /** The trunk contact this site registers with the carrier. */
  String trunkContact(String user) {
    return "sip:" + user + "@" + publicIp + ":5060";
  }

  /** Simulates losing the whole site: agent, PBX and AMI stop answering at once. */
  void crash() {
    crashed = true;
    agent.close();
    pbx.close();
    ami.close();
  }

  @Override
  public void close() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        // closing a simulated site: nothing else to do about a failure here
      }
    }
  }
}
