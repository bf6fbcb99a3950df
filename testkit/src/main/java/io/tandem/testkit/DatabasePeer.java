package io.tandem.testkit;

/** Connection details and controls of a running database server started for a test. */
public interface DatabasePeer {

  /** {@code mariadb} or {@code postgresql}. */
  String engine();

  /** Always {@code 127.0.0.1}. */
  String host();

  int port();

  /** A database created for the test. */
  String database();

  /**
   * A second database on the same server, {@code tandem_b}, so one server can stand for two sites
   * (a sender's and a receiver's database).
   */
  default String secondDatabase() {
    return "tandem_b";
  }

  /** A user with every privilege on {@link #database()}, authenticated by password. */
  String user();

  String password();

  /** A JDBC URL for {@link #database()}. */
  default String jdbcUrl() {
    return jdbcUrl(database());
  }

  /** A JDBC URL for {@code database} on this server. */
  default String jdbcUrl(String database) {
    return "jdbc:" + engine() + "://" + host() + ":" + port() + "/" + database;
  }

  /** Stop the server (data kept). */
  void stop();

  /** Start it again on the same port and data; returns when it accepts connections. */
  void start();
}
