package io.tandem.testkit;

/** A running PostgreSQL server; see {@link PostgreSql}. */
public interface PostgreSqlPeer extends DatabasePeer {}
