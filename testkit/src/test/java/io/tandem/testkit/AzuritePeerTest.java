package io.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import org.junit.jupiter.api.Test;

@Azurite
class AzuritePeerTest {

  @Test
  void aBlobLeaseBlocksASecondHolder(AzuritePeer azurite) {
    BlobContainerClient container =
        new BlobServiceClientBuilder()
            .connectionString(azurite.connectionString())
            .buildClient()
            .createBlobContainerIfNotExists("witness");
    BlobClient blob = container.getBlobClient("active-site");
    blob.upload(BinaryData.fromString("site-a"), true);

    BlobLeaseClient siteA = new BlobLeaseClientBuilder().blobClient(blob).buildClient();
    BlobLeaseClient siteB = new BlobLeaseClientBuilder().blobClient(blob).buildClient();
    String leaseA = siteA.acquireLease(15);

    assertThatThrownBy(() -> siteB.acquireLease(15))
        .isInstanceOfSatisfying(
            BlobStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(409));
    assertThatThrownBy(() -> blob.upload(BinaryData.fromString("site-b"), true))
        .isInstanceOf(BlobStorageException.class);

    siteA.releaseLease();
    assertThat(siteB.acquireLease(15)).isNotEqualTo(leaseA);
  }
}
