package io.tandem.core.runbook;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engine depends only on the shared contracts, not on other core packages being built. */
class RunbookArchitectureTest {

  @Test
  void runbookEngineUsesOnlyPortsErrorsAndWitnessContracts() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tandem.core.runbook");
    noClasses()
        .that()
        .resideInAPackage("io.tandem.core.runbook..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tandem.core.config..", "io.tandem.core.agent..", "io.tandem.core.decision..")
        .because(
            "the app maps configuration onto FailoverTopology; the agent implements TicketGuard")
        .check(classes);
  }
}
