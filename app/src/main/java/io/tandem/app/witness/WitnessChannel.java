package io.tandem.app.witness;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One connection to the witness listener: answers renewals and ticket reads on the event loop when
 * they need no waiting ({@link WitnessProtocol#handleIfImmediate}), takes every other request onto
 * a virtual thread ({@link WitnessProtocol} may block: an acquire waits for its grant to be
 * durable), and writes the answer back, one request at a time per connection (a pipelining client's
 * next request waits, and reading pauses while more than a few wait). Not sharable: one per
 * channel, its state touched only on the channel's event loop.
 */
final class WitnessChannel extends SimpleChannelInboundHandler<FullHttpRequest> {

  private final WitnessProtocol protocol;
  private final ExecutorService executor;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean busy;

  private record Pending(WitnessProtocol.Call call, boolean keepAlive) {}

  WitnessChannel(WitnessProtocol protocol, ExecutorService executor) {
    this.protocol = protocol;
    this.executor = executor;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
    if (deadline != null) {
      deadline.complete();
    }
    // only the headers the protocol reads are kept; the request's buffers are released now
    Map<String, String> headers = new HashMap<>(4);
    for (String name : new String[] {"Authorization", "X-Tandem-Site"}) {
      String v = req.headers().get(name);
      if (v != null) {
        headers.put(name, v);
      }
    }
    String uri = req.uri();
    int q = uri.indexOf('?');
    WitnessProtocol.Call call =
        new WitnessProtocol.Call(
            req.method().name(),
            q < 0 ? uri : uri.substring(0, q),
            headers::get,
            ByteBufUtil.getBytes(req.content()));
    pending.add(new Pending(call, HttpUtil.isKeepAlive(req)));
    if (pending.size() > 2) {
      ctx.channel().config().setAutoRead(false);
    }
    next(ctx);
  }

  private void next(ChannelHandlerContext ctx) {
    if (busy) {
      return;
    }
    Pending p = pending.poll();
    if (p == null) {
      ctx.channel().config().setAutoRead(true);
      return;
    }
    busy = true;
    // Renewals and ticket reads are answered here on the event loop when nothing would wait;
    // everything else (and those that would wait) on a virtual thread.
    Optional<WitnessProtocol.Answer> now = protocol.handleIfImmediate(p.call());
    if (now.isPresent()) {
      write(ctx, now.get(), p.keepAlive());
      return;
    }
    try {
      executor.execute(
          () -> {
            WitnessProtocol.Answer a = protocol.handle(p.call());
            ctx.executor().execute(() -> write(ctx, a, p.keepAlive()));
          });
    } catch (RejectedExecutionException e) {
      ctx.close(); // shutting down
    }
  }

  private void write(ChannelHandlerContext ctx, WitnessProtocol.Answer a, boolean keepAlive) {
    send(ctx, a, keepAlive)
        .addListener(
            f -> {
              busy = false;
              if (!keepAlive || !f.isSuccess()) {
                ctx.close();
              } else {
                next(ctx);
              }
            });
  }

  static io.netty.channel.ChannelFuture send(
      ChannelHandlerContext ctx, WitnessProtocol.Answer a, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(a.status()),
            Unpooled.wrappedBuffer(a.body()));
    a.headers().forEach((k, v) -> r.headers().set(k, v));
    HttpUtil.setContentLength(r, a.body().length);
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return ctx.writeAndFlush(r);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && !busy) {
      ctx.close(); // idle for the idle timeout: free the connection
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a broken connection or a malformed request: nothing to answer on it
  }

  /**
   * The request body limit, checked from {@code Content-Length} before the body is read, answered
   * with the protocol's problem detail (413) and the connection closed, as Netty's aggregator does
   * with its own plain answer.
   */
  static final class Aggregator extends HttpObjectAggregator {
    private final WitnessProtocol protocol;

    Aggregator(int maxContentLength, WitnessProtocol protocol) {
      super(maxContentLength);
      this.protocol = protocol;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      WitnessProtocol.Answer a =
          protocol.problem(
              413, "request body larger than " + WitnessHttpServer.MAX_BODY + " bytes", Map.of());
      send(ctx, a, false).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * A request must arrive whole within its deadline from its first byte (a client sending a byte
   * now and then cannot hold a connection); idle time between requests is the idle handler's.
   */
  static final class RequestDeadline extends ChannelDuplexHandler {
    private final long timeout;
    private final TimeUnit unit;
    private ScheduledFuture<?> timer;

    RequestDeadline(long timeout, TimeUnit unit) {
      this.timeout = timeout;
      this.unit = unit;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (timer == null) {
        timer = ctx.executor().schedule(() -> ctx.close(), timeout, unit);
      }
      ctx.fireChannelRead(msg);
    }

    /** The request arrived whole; the next byte starts the next deadline. */
    void complete() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      complete();
      super.channelInactive(ctx);
    }
  }
}
