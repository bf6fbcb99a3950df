package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.aws.TerraformPolicies.Deployment;
import io.tandem.aws.TerraformPolicies.Statement;
import io.tandem.core.error.PermissionException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.sim.peer.RealPeers;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * Least privilege, proven against an emulator that enforces IAM (15.11): the AWS failover path —
 * the DynamoDB witness grants the ticket, the EC2 fencer records the new holder on its own
 * instance, the Elastic IP moves, the Route 53 record is swapped, the old primary is fenced — runs
 * as the roles {@code terraform/aws} creates (the agent role and the witness role, assumed through
 * STS by a user that may do nothing else, as the product's {@code roleArn} setting does), and
 * succeeds. Then, for every action of those policies, the same failover runs with that one action
 * removed and must fail with a {@link PermissionException} that names it. So an action the code
 * needs but Terraform lacks fails here, and so does an action Terraform grants but nothing uses.
 *
 * <p><b>What moto cannot prove, and why the policies are widened.</b> The test policies are derived
 * mechanically from {@code main.tf} ({@link TerraformPolicies}): same statements, same actions, but
 * every {@code Resource} is {@code "*"} and conditions are left out. moto (5.2.6, {@code
 * moto/core/responses.py} {@code call_action}) passes {@code "*"} as the resource of every EC2,
 * Route 53 and DynamoDB request (only STS, IAM and SQS define {@code _determine_resource}), and its
 * statement matcher ({@code moto/iam/access_control.py}) treats the statement's resource as the
 * pattern: {@code arn:aws:ec2:…:elastic-ip/…} never matches {@code "*"}, so the exact Terraform
 * statements would be NEUTRAL and deny everything. Conditions are evaluated only for {@code
 * StringEquals} on values moto supplies ({@code moto/iam/policy_conditions.py}), and it supplies
 * none here, so they would always pass. Resource ARNs, tag conditions, record-name conditions and
 * {@code dynamodb:LeadingKeys} are therefore <em>not</em> proven by this test (they are kept equal
 * to the documentation by {@link IamPolicyDocsTest}); and where two statements grant the same
 * action on different resources (the Elastic IP and its target instances for {@code
 * ec2:AssociateAddress}; addresses and instances for {@code ec2:CreateTags}), removing it from only
 * one of them is invisible to moto: an action is dropped from the whole policy here.
 */
class IamLeastPrivilegeTest {

  private static final String CLUSTER = "pbx";
  private static final String ZONE = "example.com.";
  private static final String NAME = "sip.example.com.";
  private static final String ACCOUNT = "123456789012";
  private static final AtomicInteger RUN = new AtomicInteger();

  private static RealPeers.RunningAwsEmulator aws;
  private static AwsClients admin;
  private static IamClient iam;
  private static String image;

  @BeforeAll
  static void start() {
    aws = RealPeers.startIamEnforcedAwsEmulator();
    admin =
        AwsClients.builder(AwsTestSupport.site(aws.endpoint(), aws.region()))
            .credentials(credentials(aws.accessKeyId(), aws.secretAccessKey()))
            .build();
    iam =
        IamClient.builder()
            .region(Region.AWS_GLOBAL)
            .endpointOverride(aws.endpoint())
            .credentialsProvider(credentials(aws.accessKeyId(), aws.secretAccessKey()))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    image = AwsTestSupport.someImage(admin.ec2());
  }

  @AfterAll
  static void stop() {
    if (iam != null) {
      iam.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (aws != null) {
      aws.close();
    }
  }

  /**
   * Each fencing mode with its full policies (dropped = null), then without each action of those
   * policies. Isolation runs the same calls as stopping except the fence itself, so to keep CI time
   * small the isolate mode drops only the actions that the stop mode's policies lack.
   */
  static Stream<Arguments> policies() throws IOException {
    TerraformPolicies tf = TerraformPolicies.read();
    Stream.Builder<Arguments> out = Stream.builder();
    TreeSet<String> stop = actions(tf, new Deployment("stop"));
    out.add(Arguments.of("stop", null));
    stop.forEach(a -> out.add(Arguments.of("stop", a)));
    TreeSet<String> isolate = actions(tf, new Deployment("isolate"));
    isolate.removeAll(stop);
    out.add(Arguments.of("isolate", null));
    isolate.forEach(a -> out.add(Arguments.of("isolate", a)));
    return out.build();
  }

  private static TreeSet<String> actions(TerraformPolicies tf, Deployment d) {
    TreeSet<String> actions = new TreeSet<>();
    Stream.concat(tf.statements("agent", d).stream(), tf.statements("witness", d).stream())
        .forEach(s -> actions.addAll(s.actions()));
    return actions;
  }

  @Test
  void theTerraformPoliciesAreReadWithEveryStatement() throws IOException {
    TerraformPolicies tf = TerraformPolicies.read();
    // Guards evaluated per fencing mode: each mode has exactly its own fencing statements.
    assertThat(tf.statements("agent", new Deployment("stop")))
        .extracting(Statement::sid)
        .contains("FenceByStopping", "RecordTheEpochOnClusterInstances", "WaitForInsync")
        .doesNotContain("FenceByIsolatingInterfaces");
    assertThat(tf.statements("agent", new Deployment("isolate")))
        .extracting(Statement::sid)
        .contains("FenceByIsolatingInterfaces", "FenceOnlyIntoTheIsolationGroup")
        .doesNotContain("FenceByStopping");
    assertThat(tf.statements("agent", new Deployment("none")))
        .extracting(Statement::sid)
        .doesNotContain("RecordTheEpochOnClusterInstances", "FenceByStopping");
    assertThat(tf.statements("witness", new Deployment("stop")))
        .flatExtracting(Statement::actions)
        .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:UpdateItem");
  }

  @ParameterizedTest(name = "fencing {0}, policy without {1}")
  @MethodSource("policies")
  void theFailoverNeedsEveryActionOfTheTerraformPolicyAndNoOther(String mode, String dropped)
      throws IOException {
    TerraformPolicies tf = TerraformPolicies.read();
    Deployment d = new Deployment(mode);
    int run = RUN.incrementAndGet();
    Fixture f = Fixture.create(run, mode);
    AccessKey site = siteUser(run);
    String agentRole =
        role(
            "agent-" + run,
            TerraformPolicies.motoPolicy(tf.statements("agent", d), dropped),
            site,
            tf);
    String witnessRole =
        role(
            "witness-" + run,
            TerraformPolicies.motoPolicy(tf.statements("witness", d), dropped),
            site,
            tf);
    allowAssume(site, run, agentRole, witnessRole);

    try (AwsClients agent = clients("agent", agentRole, site);
        AwsClients witnessClients = clients("witness", witnessRole, site)) {
      Failover failover = new Failover(agent, witnessClients, f, mode);
      if (dropped == null) {
        failover.run();
        assertThat(new ElasticIpMover(admin).observe(f.eip).attachedTo()).contains(f.b);
        assertThat(f.fencedA(admin)).as("old primary fenced").isTrue();
        assertThat(new Route53Updater(admin.route53(), f.dns).observe(ZONE, NAME, "A"))
            .map(DnsRecord::values)
            .contains(List.of("198.51.100.20"));
      } else {
        assertThatThrownBy(failover::run)
            .as("the failover without %s", dropped)
            .isInstanceOf(PermissionException.class)
            .hasMessageContaining("'" + dropped + "'");
      }
    }
  }

  /** The failover as site b performs it, with the agent's and the witness's clients. */
  private record Failover(AwsClients agent, AwsClients witnessClients, Fixture f, String mode) {
    void run() {
      DynamoDbWitness witness =
          new DynamoDbWitness(witnessClients, f.table, Duration.ofSeconds(1), Clock.systemUTC());
      TicketResult ticket =
          witness.acquire(TicketRequest.acquire(CLUSTER, "b", true, Duration.ofSeconds(30)));
      assertThat(ticket.granted()).as(ticket.reason()).isTrue();
      FencingToken token = ticket.ticket().token();
      Ec2Fencer fencer =
          new Ec2Fencer(
              agent,
              mode.equals("stop")
                  ? Ec2Fencer.Settings.stop()
                  : Ec2Fencer.Settings.isolate(f.isolation));
      fencer.recordHolder(f.b, token);
      new ElasticIpMover(agent).move(f.eip, f.b, token);
      Route53Updater dns = new Route53Updater(agent.route53(), f.dns);
      dns.replace(
          dns.observe(ZONE, NAME, "A"),
          new DnsRecord(ZONE, NAME, "A", 60, List.of("198.51.100.20")),
          token);
      assertThat(fencer.fence(f.a, token).fenced()).isTrue();
      assertThat(witness.observe(CLUSTER)).map(t -> t.holder()).contains("b");
    }
  }

  /**
   * What exists before the failover: two PBX instances, the address on a, the record, the table.
   */
  private record Fixture(
      String a, String b, String eip, String isolation, Route53Settings dns, String table) {

    static Fixture create(int run, String mode) {
      var ec2 = admin.ec2();
      var subnet = ec2.describeSubnets().subnets().getFirst();
      String app =
          ec2.createSecurityGroup(
                  r -> r.groupName("pbx-" + run).description("sip").vpcId(subnet.vpcId()))
              .groupId();
      String isolation =
          ec2.createSecurityGroup(
                  r -> r.groupName("iso-" + run).description("none").vpcId(subnet.vpcId()))
              .groupId();
      String a = instance(subnet.subnetId(), app);
      String b = instance(subnet.subnetId(), app);
      String eip = AwsTestSupport.allocateAddress(ec2);
      ec2.associateAddress(r -> r.allocationId(eip).instanceId(a));
      String zoneId =
          admin
              .route53()
              .createHostedZone(r -> r.name(ZONE).callerReference("iam-" + run + "-" + mode))
              .hostedZone()
              .id();
      admin
          .route53()
          .changeResourceRecordSets(
              r ->
                  r.hostedZoneId(zoneId)
                      .changeBatch(
                          c ->
                              c.changes(
                                  ch ->
                                      ch.action(ChangeAction.CREATE)
                                          .resourceRecordSet(
                                              s ->
                                                  s.name(NAME)
                                                      .type(RRType.A)
                                                      .ttl(60L)
                                                      .resourceRecords(
                                                          v -> v.value("203.0.113.10"))))));
      String table = "tandem-witness-" + run;
      DynamoDbWitness.createTable(admin.dynamoDb(), table, Duration.ofSeconds(30));
      Route53Settings dns =
          Route53Settings.builder()
              .hostedZone(ZONE, zoneId)
              .syncPollInterval(Duration.ofMillis(100))
              .build();
      return new Fixture(a, b, eip, isolation, dns, table);
    }

    private static String instance(String subnet, String group) {
      var ec2 = admin.ec2();
      String eni =
          ec2.createNetworkInterface(r -> r.subnetId(subnet).groups(group))
              .networkInterface()
              .networkInterfaceId();
      return ec2.runInstances(
              r ->
                  r.imageId(image)
                      .minCount(1)
                      .maxCount(1)
                      .networkInterfaces(n -> n.networkInterfaceId(eni).deviceIndex(0))
                      .tagSpecifications(
                          t ->
                              t.resourceType(ResourceType.INSTANCE)
                                  .tags(g -> g.key("tandem:cluster").value(CLUSTER))))
          .instances()
          .getFirst()
          .instanceId();
    }

    boolean fencedA(AwsClients clients) {
      var instance =
          clients
              .ec2()
              .describeInstances(r -> r.instanceIds(a))
              .reservations()
              .getFirst()
              .instances()
              .getFirst();
      if (instance.state().name() == InstanceStateName.STOPPED
          || instance.state().name() == InstanceStateName.STOPPING) {
        return true;
      }
      return instance.networkInterfaces().stream()
          .allMatch(n -> n.groups().stream().allMatch(g -> g.groupId().equals(isolation)));
    }
  }

  /** A user that may only assume the two roles, as the agent host's own identity. */
  private static AccessKey siteUser(int run) {
    String user = "site-b-" + run;
    iam.createUser(r -> r.userName(user));
    return iam.createAccessKey(r -> r.userName(user)).accessKey();
  }

  private static void allowAssume(AccessKey site, int run, String... roles) {
    String resources = String.join(",", Stream.of(roles).map(r -> "\"" + r + "\"").toList());
    iam.putUserPolicy(
        r ->
            r.userName(site.userName())
                .policyName("assume-" + run)
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Action\":\"sts:AssumeRole\",\"Resource\":["
                        + resources
                        + "]}]}"));
  }

  /**
   * A role with Terraform's trust policy ({@code data.aws_iam_policy_document.trust}: its actions,
   * {@code var.trusted_principal_arns} = the site user, no external id) and one inline policy.
   */
  private static String role(String name, String policy, AccessKey trusted, TerraformPolicies tf) {
    String actions =
        String.join(
            ",",
            tf.statements("trust").stream()
                .flatMap(s -> s.actions().stream())
                .map(a -> "\"" + a + "\"")
                .toList());
    String trust =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
            + "\"arn:aws:iam::"
            + ACCOUNT
            + ":user/"
            + trusted.userName()
            + "\"},\"Action\":["
            + actions
            + "]}]}";
    String arn = iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)).role().arn();
    iam.putRolePolicy(r -> r.roleName(name).policyName("tandem").policyDocument(policy));
    return arn;
  }

  /**
   * The product's clients for a site whose {@code roleArn} is the role, as ProviderAdapters builds.
   */
  private static AwsClients clients(String who, String roleArn, AccessKey user) {
    AwsSite site =
        AwsSite.builder("iam-" + who)
            .region(aws.region())
            .roleArn(roleArn)
            .endpointOverride(aws.endpoint())
            .apiCallTimeout(Duration.ofSeconds(30))
            .apiCallAttemptTimeout(Duration.ofSeconds(10))
            .build();
    return AwsClients.builder(site)
        .credentials(credentials(user.accessKeyId(), user.secretAccessKey()))
        .build();
  }

  private static StaticCredentialsProvider credentials(String key, String secret) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret));
  }
}
