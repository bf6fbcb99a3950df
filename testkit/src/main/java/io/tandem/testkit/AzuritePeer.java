package io.tandem.testkit;

/** Connection details of a running Azurite Blob service (the well-known development account). */
public interface AzuritePeer {

  /** e.g. {@code http://127.0.0.1:10000/devstoreaccount1} */
  String blobEndpoint();

  /** Connection string usable by {@code BlobServiceClientBuilder.connectionString}. */
  String connectionString();

  String accountName();

  String accountKey();
}
