package io.tandem.app.lab;

import io.tandem.app.agent.AgentRuntime;
import io.tandem.app.cli.AgentCommand;
import io.tandem.sim.lab.SimSipServer;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;

/**
 * One site of the lab: its simulated PBX (SIP over UDP and AMI over TCP, sharing one model) and,
 * once started, its agent as {@code tandem agent} runs it (assembly and server). Crashing it stops
 * all of them at once, as losing the whole site would.
 */
final class LabSite implements AutoCloseable {

  final String name;
  final int priority;

  /** The site's own public address as carriers see it (a documentation address: a label only). */
  final String publicIp;

  final SimSipServer pbx;
  final PbxModel model;
  final AmiServer ami;
  volatile AgentCommand.Started agent;

  /** Where this site's PBX keeps its configuration (its {@code /etc/asterisk}). */
  Path pbxConfig;

  volatile boolean crashed;

  LabSite(String name, int priority, String publicIp, String amiSecret, Clock clock) {
    this.name = name;
    this.priority = priority;
    this.publicIp = publicIp;
    this.model =
        new PbxModel("22.1.0")
            .trunk(LabCluster.TRUNK, false)
            .contact("phone-100", true)
            .contact("phone-101", true);
    try {
      this.pbx = SimSipServer.pbx(name, clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the simulated PBX of " + name, e);
    }
    try {
      this.ami = new AmiServer(model, new PbxFaults(), "tandem", amiSecret);
    } catch (RuntimeException e) {
      pbx.close();
      throw e;
    }
  }

  /** The PBX's SIP address on loopback. */
  InetSocketAddress sip() {
    return new InetSocketAddress("127.0.0.1", pbx.port());
  }

  /** This site's production API: the running agent's runtime. */
  AgentRuntime runtime() {
    return agent.agent().runtime();
  }

  /** Whether this site's agent is up and serving (holds a valid ticket and activated). */
  boolean serving() {
    AgentCommand.Started a = agent;
    return !crashed && a != null && a.agent().driver().serving();
  }

  /** The trunk contact this site registers with the carrier. */
  String trunkContact(String user) {
    return "sip:" + user + "@" + publicIp + ":5060";
  }

  /** Simulates losing the whole site: agent, server, PBX and AMI stop answering at once. */
  void crash() {
    crashed = true;
    close();
  }

  @Override
  public void close() {
    AgentCommand.Started a = agent;
    if (a != null) {
      a.close();
    }
    pbx.close();
    ami.close();
  }
}
