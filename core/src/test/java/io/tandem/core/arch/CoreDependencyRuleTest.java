package io.tandem.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hexagonal rule: {@code core} knows no cloud SDK, telephony library, network client or
 * framework. Adapters and the app depend on core, never the reverse.
 */
class CoreDependencyRuleTest {

  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tandem.core");
  }

  @Test
  void coreClassesAreImported() {
    org.assertj.core.api.Assertions.assertThat(core).isNotEmpty();
  }

  @Test
  void coreUsesNoCloudSdk() {
    rule("software.amazon..", "com.amazonaws..", "com.azure..", "com.microsoft.azure..")
        .because("cloud SDKs belong in cloud-aws and cloud-azure")
        .check(core);
  }

  @Test
  void coreUsesNoTelephonyOrNetworkLibrary() {
    rule(
            "javax.sip..",
            "gov.nist..",
            "org.asteriskjava..",
            "org.xbill..",
            "io.etcd..",
            "io.grpc..",
            "io.netty..",
            "org.apache.http..",
            "okhttp3..")
        .because("telephony, DNS and etcd clients belong in onprem")
        .check(core);
  }

  @Test
  void coreUsesNoFramework() {
    rule("org.springframework..", "jakarta.servlet..", "picocli..", "io.micrometer..")
        .because("Spring, the CLI and metrics belong in app")
        .check(core);
  }

  @Test
  void coreDependsOnNoOuterModule() {
    rule(
            "io.tandem.onprem..",
            "io.tandem.aws..",
            "io.tandem.azure..",
            "io.tandem.app..",
            "io.tandem.sim..",
            "io.tandem.testkit..")
        .because("dependencies point inward")
        .check(core);
  }

  private static ArchRule rule(String... packages) {
    return noClasses()
        .that()
        .resideInAPackage("io.tandem.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packages);
  }
}
