package io.tandem.onprem.sensor;

import static java.time.Duration.ofSeconds;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.sensor.SensorCatalog.ControllerKind;
import io.tandem.onprem.sensor.SensorCatalog.Defaults;
import io.tandem.onprem.vip.LocalHostCommand;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Registers the user-defined sensor kinds (command, http) and the controller kinds. */
public final class UserCheckKinds {

  private UserCheckKinds() {}

  public static void registerAll(SensorCatalog.Builder b) {
    b.register(
        "command",
        "a shell command's exit code (exit-zero or nagios convention), optional output regex",
        new Defaults(ofSeconds(30), ofSeconds(5), false, 1),
        List.of("command", "convention", "expect-output"),
        (spec, p, ctx) ->
            new CommandSensor(
                spec,
                ctx,
                LocalHostCommand.local("localhost"),
                p.string("command"),
                p.string("convention", "exit-zero").equalsIgnoreCase("nagios")
                    ? CommandSensor.Convention.NAGIOS
                    : CommandSensor.Convention.EXIT_ZERO,
                regex(spec.name(), p.optional("expect-output"))));
    b.register(
        "http",
        "an HTTP(S) request answers a status in [min-status, max-status], optional body regex; ms",
        new Defaults(ofSeconds(30), ofSeconds(3), false, 1),
        List.of("url", "method", "min-status", "max-status", "expect-body"),
        (spec, p, ctx) ->
            new HttpCheckSensor(
                spec,
                ctx,
                url(spec.name(), p.string("url")),
                method(spec.name(), p.string("method", "GET")),
                p.integer("min-status", 200, 100, 599),
                p.integer("max-status", 399, 100, 599),
                regex(spec.name(), p.optional("expect-body"))));
    b.registerController(
        new ControllerKind(
            "command",
            "runs a shell command; exit 0 means done",
            Set.of("command"),
            (name, timeout, p, ctx) ->
                new CommandController(
                    name,
                    LocalHostCommand.local("localhost"),
                    p.string("command"),
                    timeout,
                    ctx.clock())));
    b.registerController(
        new ControllerKind(
            "http",
            "one HTTP request to a device API (network power outlet); 2xx means done",
            Set.of(
                "url", "method", "body", "content-type", "user", "password-env", "password-file"),
            (name, timeout, p, ctx) ->
                new HttpController(
                    name,
                    url(name, p.string("url")),
                    method(name, p.string("method", "POST")),
                    p.string("body", ""),
                    p.string("content-type", "text/plain"),
                    p.optional("user"),
                    password(name, p),
                    timeout,
                    ctx.clock())));
  }

  private static Optional<String> password(String name, SensorParams p) {
    Optional<String> env = p.optional("password-env");
    if (env.isPresent()) {
      String v = System.getenv(env.get());
      if (v == null) {
        throw new ConfigException(
            "controller "
                + name
                + ": parameter 'password-env': env var "
                + env.get()
                + " is not set");
      }
      return Optional.of(v);
    }
    Optional<String> file = p.optional("password-file");
    if (file.isPresent()) {
      try {
        return Optional.of(Files.readString(Path.of(file.get())).strip());
      } catch (IOException e) {
        throw new ConfigException(
            "controller " + name + ": parameter 'password-file': cannot read " + file.get());
      }
    }
    return Optional.empty();
  }

  private static Optional<Pattern> regex(String sensor, Optional<String> value) {
    try {
      return value.map(Pattern::compile);
    } catch (PatternSyntaxException e) {
      throw new ConfigException("sensor " + sensor + ": not a regular expression: " + value.get());
    }
  }

  private static URI url(String sensor, String value) {
    try {
      URI u = URI.create(value);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          sensor + ": parameter 'url': expected an http(s) URL, got " + value);
    }
  }

  private static String method(String sensor, String value) {
    String m = value.toUpperCase(Locale.ROOT);
    if (!Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH").contains(m)) {
      throw new ConfigException(
          sensor + ": parameter 'method': expected an HTTP method, got " + value);
    }
    return m;
  }
}
