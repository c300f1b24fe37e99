package email_test

import (
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/email"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
)

func waiting() message.Message {
	return message.Message{MessageId: "run-7.RUN_AWAITING_APPROVAL", MessageType: message.RunAwaitingApproval, Time: time.Now().UnixMilli(),
		Run: &message.Run{RunId: "run-7", Policy: "upsize", Summary: "waiting for approval to change workstation InstanceType t3.small → t3.medium",
			Change: "InstanceType t3.small → t3.medium", ApproveCommand: "tend runs approve run-7", CancelCommand: "tend runs cancel run-7",
			RunUrl: "http://tend.test/ui/runs/run-7"}}
}

// TestSendOverSTARTTLS: the mail goes out after STARTTLS, authenticated,
// with the run's approve and cancel commands in it.
func TestSendOverSTARTTLS(t *testing.T) {
	srv, ca := notifytest.NewSMTPServer(t, true)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	spec := notify.Spec{Name: "mail", Type: notify.TypeEmail, SMTP: srv.Addr(), From: "tend <tend@example.com>",
		To: []string{"oncall@example.com", "Platform <platform@example.com>"}, Username: "tend", PasswordFile: pw, TLSCAFile: ca}
	if errs := spec.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	spec, err := spec.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := email.New(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Notify(context.Background(), notify.Batch{Channel: "mail", Key: "run-7.RUN_AWAITING_APPROVAL", Messages: []message.Message{waiting()}}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	m := got[0]
	if !m.TLS || m.Authed != "tend" || len(m.To) != 2 || !strings.Contains(m.From, "<tend@example.com>") {
		t.Fatalf("mail %+v", m)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("the mail does not parse: %v", err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if !strings.HasPrefix(subject, "tend: Approval needed: waiting for approval to change workstation InstanceType t3.small → t3.medium") {
		t.Errorf("Subject = %q", subject)
	}
	for _, want := range []string{"tend runs approve run-7", "tend runs cancel run-7", "http://tend.test/ui/runs/run-7",
		"Message-ID: <run-7.RUN_AWAITING_APPROVAL@tend>"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Data)
		}
	}
}

// TestRefusals: no STARTTLS offered → refused (permanent); an unknown
// recipient (550) is permanent; credentials are never sent in the clear.
func TestRefusals(t *testing.T) {
	plain, _ := notifytest.NewSMTPServer(t, false)
	ctx := context.Background()
	b := notify.Batch{Channel: "mail", Key: "k", Messages: []message.Message{waiting()}}
	ch, _ := email.New(notify.Spec{Name: "mail", SMTP: plain.Addr(), From: "tend@example.com", To: []string{"a@example.com"}}, nil)
	var ne *notify.Error
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("no STARTTLS: %v", err)
	}
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.Addr(), From: "tend@example.com", To: []string{"a@example.com"},
		StartTLS: "none", Username: "tend", Password: "s3cret"}, nil)
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("credentials in the clear: %v", err)
	}
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.Addr(), From: "tend@example.com", To: []string{"a@example.com"}, StartTLS: "none"}, nil)
	if err := ch.Notify(ctx, b); err != nil {
		t.Fatalf("relay without TLS: %v", err)
	}
	plain.Reject = "nobody@"
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.Addr(), From: "tend@example.com", To: []string{"nobody@example.com"}, StartTLS: "none"}, nil)
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent {
		t.Fatalf("550: %v", err)
	}
}
