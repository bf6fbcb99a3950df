package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.HostPeerLauncher;
import io.tandem.sim.peer.internal.PeerBinaries;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Shared behaviour of every peer extension: one peer per test class (started in {@code beforeAll},
 * or earlier when a {@code PER_CLASS} constructor asks for it), kept in the class-level store so
 * JUnit stops it after the class; the peer interface resolved as a parameter anywhere in the class;
 * the peer's log printed to stderr when a test or lifecycle method fails.
 *
 * @param <P> the public peer interface
 * @param <A> the annotation that configures it
 */
abstract class PeerExtension<P, A extends Annotation>
    implements BeforeAllCallback,
        ParameterResolver,
        TestWatcher,
        LifecycleMethodExecutionExceptionHandler {

  private final Class<P> peerType;
  private final Class<A> annotationType;
  private final Namespace namespace;

  PeerExtension(Class<P> peerType, Class<A> annotationType) {
    this.peerType = peerType;
    this.annotationType = annotationType;
    this.namespace = Namespace.create(PeerExtension.class, peerType);
  }

  /**
   * Starts the peer configured by {@code settings}; it must be ready on return.
   *
   * @param context the context of the test class that declares the annotation
   */
  abstract PeerHandle<P> start(A settings, ExtensionContext context, PeerBinaries binaries);

  @Override
  public void beforeAll(ExtensionContext context) {
    handle(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == peerType;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return handle(context).peer();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    printLog(context);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t)
      throws Throwable {
    printLog(context);
    throw t;
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t)
      throws Throwable {
    printLog(context);
    throw t;
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable t)
      throws Throwable {
    printLog(context);
    throw t;
  }

  /**
   * The running peer for the test class of {@code context}, started on first use. It belongs to the
   * nearest class (itself or an enclosing one, for {@code @Nested}) that carries the annotation, so
   * a nested class without its own annotation shares the outer peer and one with its own annotation
   * gets its own peer.
   */
  @SuppressWarnings("unchecked")
  PeerHandle<P> handle(ExtensionContext context) {
    ExtensionContext owner = classContext(context);
    Class<?> declaring = declaringClass(owner);
    // Bounded by the nesting depth; the declaring class is an enclosing class of the test class.
    while (!owner.getRequiredTestClass().equals(declaring)) {
      owner = classContext(owner.getParent().orElseThrow());
    }
    ExtensionContext ownerContext = owner;
    A settings = AnnotationSupport.findAnnotation(declaring, annotationType).orElseThrow();
    return ownerContext
        .getStore(namespace)
        .computeIfAbsent(
            declaring,
            key ->
                startWithRetry(
                    () ->
                        start(
                            settings,
                            ownerContext,
                            PeerBinaries.of(ownerContext::getConfigurationParameter))),
            PeerHandle.class);
  }

  private void printLog(ExtensionContext context) {
    Class<?> declaring = declaringClass(classContext(context));
    Object found = context.getStore(namespace).get(declaring);
    if (found instanceof PeerHandle<?> running) {
      System.err.println(running.logTail());
    }
  }

  private Class<?> declaringClass(ExtensionContext classContext) {
    Class<?> type = classContext.getRequiredTestClass();
    // Bounded by the nesting depth.
    while (type != null) {
      if (AnnotationSupport.isAnnotated((AnnotatedElement) type, annotationType)) {
        return type;
      }
      type = type.getEnclosingClass();
    }
    throw new IllegalStateException(
        "@" + annotationType.getSimpleName() + " not found on " + classContext.getDisplayName());
  }

  /** Retries a start whose process died early, which is how a lost port race shows. */
  static <H> H startWithRetry(Supplier<H> start) {
    return HostPeerLauncher.startWithRetry(start);
  }

  /** The nearest context whose element is a class (a method's or template's parent chain). */
  static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext current = context;
    // Bounded by the depth of the context tree.
    while (current.getElement().filter(e -> e instanceof Class<?>).isEmpty()) {
      current =
          current
              .getParent()
              .orElseThrow(() -> new IllegalStateException("peer used outside a test class"));
    }
    return current;
  }
}
