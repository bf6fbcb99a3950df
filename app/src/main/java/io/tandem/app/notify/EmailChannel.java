package io.tandem.app.notify;

import java.util.List;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Sends notifications by SMTP. Drills go only to {@code drillRecipients} (never to on-call) and
 * carry {@code [DRILL]} in the subject. Timeouts are set on the sender (see {@link #configure}).
 * Thread-safe.
 */
public final class EmailChannel implements NotificationChannel {

  private final JavaMailSender sender;
  private final String from;
  private final List<String> recipients;
  private final List<String> drillRecipients;

  public EmailChannel(
      JavaMailSender sender, String from, List<String> recipients, List<String> drillRecipients) {
    this.sender = sender;
    this.from = from;
    this.recipients = List.copyOf(recipients);
    this.drillRecipients = List.copyOf(drillRecipients);
  }

  /** SMTP timeouts so a hung mail server cannot hold a notification thread. */
  public static void configure(
      org.springframework.mail.javamail.JavaMailSenderImpl impl, int timeoutMillis) {
    impl.getJavaMailProperties().put("mail.smtp.connectiontimeout", timeoutMillis);
    impl.getJavaMailProperties().put("mail.smtp.timeout", timeoutMillis);
    impl.getJavaMailProperties().put("mail.smtp.writetimeout", timeoutMillis);
  }

  @Override
  public String name() {
    return "email";
  }

  @Override
  public DeliveryResult deliver(Notification n) {
    List<String> to = n.drill() ? drillRecipients : recipients;
    if (to.isEmpty()) {
      return new DeliveryResult(true, "no recipients for " + (n.drill() ? "drills" : "alarms"));
    }
    SimpleMailMessage m = new SimpleMailMessage();
    m.setFrom(from);
    m.setTo(to.toArray(String[]::new));
    m.setSubject(
        (n.drill() ? "[DRILL] " : "[" + n.severity().toUpperCase() + "] ")
            + "Tandem: "
            + n.title());
    m.setText(n.text());
    try {
      sender.send(m);
      return new DeliveryResult(true, "sent to " + to.size() + " recipient(s)");
    } catch (MailException e) {
      return new DeliveryResult(false, "not sent: " + e.getClass().getSimpleName());
    }
  }
}
