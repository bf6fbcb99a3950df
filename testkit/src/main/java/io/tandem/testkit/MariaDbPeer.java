package io.tandem.testkit;

/** A running MariaDB server; see {@link MariaDb}. */
public interface MariaDbPeer extends DatabasePeer {}
