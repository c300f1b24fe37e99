// Package email sends notifications as plain-text mail over SMTP. The
// connection is upgraded with STARTTLS before anything is sent (a server
// that does not offer it is refused, unless the channel says starttls:
// none for a local relay), and credentials are sent (AUTH PLAIN) only over
// TLS. One batch is one mail: its subject is the latest message's title,
// its body every message with its links.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
)

// Email sends mail through one SMTP server.
type Email struct {
	addr, host string
	from       string
	to         []string
	user, pass string
	startTLS   bool
	tls        *tls.Config
	now        func() time.Time
}

var _ notify.Notifier = (*Email)(nil)

// New returns the email channel of a spec (secrets resolved).
func New(s notify.Spec, now func() time.Time) (*Email, error) {
	if now == nil {
		now = time.Now
	}
	host, _, err := net.SplitHostPort(s.SMTP)
	if err != nil {
		return nil, fmt.Errorf("channel %s: smtp: %w", s.Name, err)
	}
	e := &Email{addr: s.SMTP, host: host, from: s.From, to: s.To, user: s.Username, pass: s.Password,
		startTLS: s.StartTLS != "none", tls: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}, now: now}
	if s.TLSCAFile != "" {
		pem, err := os.ReadFile(s.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("channel %s: tls_ca_file: %w", s.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("channel %s: tls_ca_file %s holds no PEM certificate", s.Name, s.TLSCAFile)
		}
		e.tls.RootCAs = pool
	}
	return e, nil
}

// Compose renders the mail of a batch: headers and a text body.
func Compose(b notify.Batch, from string, to []string, now time.Time) []byte {
	msgs := b.Messages
	subject := "tend: " + msgs[len(msgs)-1].Title()
	if b.Summary {
		subject = fmt.Sprintf("tend: %d notifications held back by the rate limit", len(msgs))
		msgs = b.Latest()
	} else if len(msgs) > 1 {
		subject += fmt.Sprintf(" (+%d)", len(msgs)-1)
	}
	var body strings.Builder
	if b.Summary {
		fmt.Fprintf(&body, "The rate limit of channel %s held back %d notifications about %d insights or runs. The latest of each:\n\n", b.Channel, len(b.Messages), b.Subjects())
	}
	for i, m := range msgs {
		if i > 0 {
			body.WriteString("\n----\n\n")
		}
		writeMessage(&body, m)
	}
	body.WriteString("\n-- \ntend, channel " + b.Channel + "\n")
	var out bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&out, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", strings.Join(to, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+strings.ReplaceAll(b.Key, "/", ".")+"@tend>")
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "8bit")
	h("X-Tend-Idempotency-Key", b.Key)
	out.WriteString("\r\n")
	// Lines end in CRLF; the SMTP data writer dot-stuffs them.
	for _, line := range strings.Split(strings.TrimSuffix(body.String(), "\n"), "\n") {
		out.WriteString(line + "\r\n")
	}
	return out.Bytes()
}

func writeMessage(b *strings.Builder, m message.Message) {
	fmt.Fprintf(b, "%s\n\n", m.Title())
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "%-12s %s\n", k+":", v)
		}
	}
	kv("Message", m.MessageType)
	kv("Severity", strings.ToUpper(m.InsightSeverity))
	kv("Problem", m.ProblemType)
	if m.Boundary != nil {
		kv(m.Boundary.Kind, m.Boundary.Name)
	}
	if m.StartTime > 0 {
		kv("Started", time.UnixMilli(m.StartTime).UTC().Format("2006-01-02 15:04:05 MST"))
	}
	if m.EndTime > 0 {
		kv("Ended", time.UnixMilli(m.EndTime).UTC().Format("2006-01-02 15:04:05 MST"))
	}
	kv("Insight", m.InsightUrl)
	if r := m.Run; r != nil {
		kv("Run", r.RunId)
		kv("Policy", r.Policy)
		kv("Change", r.Change)
		if r.Version != "" {
			kv("Version", r.PreviousVersion+" → "+r.Version)
		}
		kv("Diff", r.DiffUrl)
		kv("Details", r.RunUrl)
		if m.MessageType == message.RunAwaitingApproval {
			kv("Approve", r.ApproveCommand)
			kv("Cancel", r.CancelCommand)
		}
		kv("Error", r.Error)
	}
	if len(m.Anomalies) > 0 {
		b.WriteString("\nAnomalies:\n")
		for _, a := range m.Anomalies {
			name := ""
			if len(a.SourceDetails) > 0 {
				name = a.SourceDetails[0].DataIdentifiers.Name
			}
			fmt.Fprintf(b, "  - %s on %s: %s\n", name, a.Resource, a.Reason)
		}
	}
	if len(m.Events) > 0 {
		b.WriteString("\nRelated changes:\n")
		for _, e := range m.Events {
			fmt.Fprintf(b, "  - %s %s at %s (%s)\n", e.EventClass, e.Name, time.UnixMilli(e.Time).UTC().Format(time.RFC3339), e.DataSource)
		}
	}
	if len(m.Recommendations) > 0 {
		b.WriteString("\nRecommendations:\n")
		for _, r := range m.Recommendations {
			fmt.Fprintf(b, "  - %s: %s\n", r.Name, r.Reason)
		}
	}
}

// Notify sends the batch as one mail.
func (e *Email) Notify(ctx context.Context, b notify.Batch) error {
	msg := Compose(b, e.from, e.to, e.now())
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", e.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, e.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting from %s: %w", e.addr, smtpErr(err))
	}
	defer c.Close()
	if err := c.Hello("tend"); err != nil {
		return fmt.Errorf("SMTP EHLO: %w", smtpErr(err))
	}
	if ok, _ := c.Extension("STARTTLS"); ok && e.startTLS {
		if err := c.StartTLS(e.tls); err != nil {
			return fmt.Errorf("SMTP STARTTLS with %s: %w", e.addr, smtpErr(err))
		}
	} else if e.startTLS {
		return notify.Permanent(fmt.Errorf("SMTP server %s does not offer STARTTLS (set starttls: none only for a trusted local relay)", e.addr))
	}
	if e.user != "" {
		if _, isTLS := c.TLSConnectionState(); !isTLS {
			return notify.Permanent(errors.New("refusing to send SMTP credentials without TLS"))
		}
		if err := c.Auth(smtp.PlainAuth("", e.user, e.pass, e.host)); err != nil {
			return fmt.Errorf("SMTP AUTH as %s: %w", e.user, smtpErr(err))
		}
	}
	from, _ := mail.ParseAddress(e.from)
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", smtpErr(err))
	}
	for _, to := range e.to {
		a, _ := mail.ParseAddress(to)
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("SMTP RCPT TO %s: %w", a.Address, smtpErr(err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", smtpErr(err))
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("SMTP send: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP end of data: %w", smtpErr(err))
	}
	_ = c.Quit()
	return nil
}

// smtpErr marks 5xx replies permanent (4xx are temporary in SMTP).
func smtpErr(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return notify.Permanent(err)
	}
	return err
}
