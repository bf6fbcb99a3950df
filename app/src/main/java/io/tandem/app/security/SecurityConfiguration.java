package io.tandem.app.security;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;

/**
 * Roles on every endpoint: viewers read, operators act, admins force. The console logs in with a
 * form (session cookie, CSRF token bound to the session, see {@link SessionCsrf}); scripts use
 * basic auth or API tokens (no CSRF, no session). The witness endpoints authenticate sites
 * themselves (per-site credentials), the peer link by its HMAC. Refusals are problem details
 * ({@link ProblemRefusals}).
 */
@Configuration
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfiguration {

  /** bcrypt's cost (2^10 rounds, Spring Security's default); {@code DUMMY_HASH} has the same. */
  static final int BCRYPT_STRENGTH = 10;

  @Bean
  PasswordEncoder passwordEncoder() {
    return new BCryptPasswordEncoder(BCRYPT_STRENGTH);
  }

  @Bean
  RoleHierarchy roleHierarchy() {
    return RoleHierarchyImpl.fromHierarchy(
        "ROLE_ADMIN > ROLE_OPERATOR\nROLE_OPERATOR > ROLE_VIEWER");
  }

  @Bean
  UserDetailsService users(SecurityProperties props, PasswordEncoder encoder) {
    List<String> problems = props.validate();
    if (!problems.isEmpty()) {
      throw new InvalidSecurityConfigurationException(problems);
    }
    // hashed at the first password check, on the password thread, not during the start
    return new LazyUsers(props.users(), encoder);
  }

  /**
   * Failed logins per client address: a burst of {@value #LOGIN_BURST}, then one per {@value
   * #LOGIN_REFILL_SECONDS} s (Grafana and GitLab lock out after 5 to 10 failures a few minutes).
   */
  static final int LOGIN_BURST = 10;

  static final int LOGIN_REFILL_SECONDS = 6;

  @Bean
  ClientBuckets loginFailures() {
    return new ClientBuckets(
        LOGIN_BURST, Duration.ofSeconds(LOGIN_REFILL_SECONDS), 10_000, System::nanoTime);
  }

  @Bean(destroyMethod = "close")
  ThrottledPasswordAuthentication passwordAuthentication(
      UserDetailsService users,
      PasswordEncoder encoder,
      ClientBuckets loginFailures,
      ObjectProvider<MeterRegistry> meters) {
    return new ThrottledPasswordAuthentication(
        users,
        encoder,
        new CredentialCache(Duration.ofMinutes(5), Duration.ofMinutes(1), 10_000, System::nanoTime),
        loginFailures,
        4,
        meters.getIfAvailable());
  }

  @Bean
  SecurityFilterChain filterChain(
      HttpSecurity http,
      SecurityProperties props,
      RefusalAudit refusalAudit,
      ThrottledPasswordAuthentication passwords,
      ClientBuckets loginFailures)
      throws Exception {
    var csrfHandler = new CsrfTokenRequestAttributeHandler();
    var csrfTokens = new HttpSessionCsrfTokenRepository();
    csrfTokens.setHeaderName("X-XSRF-TOKEN");
    var refusals = new ProblemRefusals(refusalAudit);
    var loginFailed = new SimpleUrlAuthenticationFailureHandler("/login?error");
    http.authorizeHttpRequests(
            a ->
                // the console page itself needs a session: a browser without one lands on the
                // login page, not on an empty console with live buttons (issue 18.8); its script
                // and style stay public
                a.requestMatchers(HttpMethod.GET, "/", "/index.html")
                    .hasRole(Role.VIEWER.name())
                    .requestMatchers(
                        "/console/**",
                        "/favicon.ico",
                        "/login",
                        "/error",
                        "/actuator/health",
                        "/actuator/health/**",
                        "/v3/api-docs/**",
                        "/swagger-ui/**",
                        "/swagger-ui.html")
                    .permitAll()
                    .requestMatchers("/witness/**", "/peer/**", "/sync/v1/**")
                    .permitAll()
                    .requestMatchers(HttpMethod.POST, "/api/v1/commands/force-acquire")
                    .hasRole(Role.ADMIN.name())
                    .requestMatchers(HttpMethod.POST, "/api/**")
                    .hasRole(Role.OPERATOR.name())
                    .requestMatchers("/api/v1/audit/**")
                    .hasRole(Role.OPERATOR.name())
                    .requestMatchers(HttpMethod.GET, "/api/**", "/actuator/**")
                    .hasRole(Role.VIEWER.name())
                    .anyRequest()
                    .denyAll())
        .authenticationManager(new ProviderManager(passwords.provider()))
        .addFilterBefore(
            new ApiTokenFilter(props.tokens(), refusalAudit, loginFailures),
            BasicAuthenticationFilter.class)
        .addFilterAfter(new SessionCsrf(), BasicAuthenticationFilter.class)
        .httpBasic(b -> b.authenticationEntryPoint(refusals))
        // a "default" entry point keeps Spring's generated login page for browsers' page loads
        .exceptionHandling(
            e ->
                e.defaultAuthenticationEntryPointFor(
                        refusals, r -> !ProblemRefusals.isPageNavigation(r))
                    .accessDeniedHandler(refusals))
        .formLogin(
            f ->
                f.defaultSuccessUrl("/", true)
                    .failureHandler(
                        (request, response, e) -> {
                          if (e instanceof LoginThrottledException t) {
                            refusals.throttled(request, response, t);
                            return;
                          }
                          refusalAudit.refused(request, 401, "login failed: " + e.getMessage());
                          loginFailed.onAuthenticationFailure(request, response, e);
                        }))
        .logout(l -> l.logoutSuccessUrl("/"))
        .csrf(
            c ->
                c.csrfTokenRepository(csrfTokens)
                    .csrfTokenRequestHandler(csrfHandler)
                    .ignoringRequestMatchers(
                        SessionCsrf.STATELESS_CLIENT,
                        r -> r.getRequestURI().startsWith("/witness/"),
                        r -> r.getRequestURI().startsWith("/peer/"),
                        r -> r.getRequestURI().startsWith("/sync/v1/")));
    return http.build();
  }
}
