package io.tandem.onprem.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback DNS-over-TCP relay (RFC 1035 §4.2.2: two-byte length, then the message) in front of
 * the BIND peer that can lose the answers to UPDATE messages (opcode 5, RFC 2136 §2.2) after BIND
 * applied them: it forwards the update, reads BIND's answer, and does not relay it (the client
 * times out). Everything else is relayed as is.
 */
final class AnswerDroppingRelay implements AutoCloseable {

  private static final int UPDATE = 5;

  private final String host;
  private final int port;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger toDrop;
  private final AtomicInteger updates = new AtomicInteger();

  AnswerDroppingRelay(String host, int port, int drop) throws IOException {
    this.host = host;
    this.port = port;
    this.toDrop = new AtomicInteger(0);
    this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    threads.submit(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  void dropNextUpdateAnswers(int n) {
    toDrop.set(n);
  }

  int updatesForwarded() {
    return updates.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.submit(() -> relay(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void relay(Socket client) {
    try (client;
        Socket upstream = new Socket(host, port)) {
      DataInputStream in = new DataInputStream(client.getInputStream());
      DataOutputStream out = new DataOutputStream(client.getOutputStream());
      DataInputStream upIn = new DataInputStream(upstream.getInputStream());
      DataOutputStream upOut = new DataOutputStream(upstream.getOutputStream());
      while (true) {
        byte[] query = new byte[in.readUnsignedShort()];
        in.readFully(query);
        upOut.writeShort(query.length);
        upOut.write(query);
        upOut.flush();
        byte[] answer = new byte[upIn.readUnsignedShort()];
        upIn.readFully(answer);
        boolean update = query.length > 2 && ((query[2] >> 3) & 0xF) == UPDATE;
        if (update) {
          updates.incrementAndGet();
          if (toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            continue; // applied by BIND; the answer is lost on the way back
          }
        }
        out.writeShort(answer.length);
        out.write(answer);
        out.flush();
      }
    } catch (IOException e) {
      // the client or BIND closed the connection
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
