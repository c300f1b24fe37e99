package email_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/email"
	"github.com/tendhq/tend/internal/notify/message"
)

// smtpServer is a small SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT, as RFC 5321 and 3207 have them.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	startTLS bool   // offer STARTTLS
	user     string // accepted AUTH PLAIN user / password
	pass     string
	reject   string // a recipient answered 550

	mu   sync.Mutex
	mail []received
	wg   sync.WaitGroup
}

type received struct {
	from   string
	to     []string
	data   string
	tls    bool
	authed string
}

func newSMTPServer(t *testing.T, startTLS bool) (*smtpServer, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tend test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, startTLS: startTLS, user: "tend", pass: "s3cret",
		tls: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s, caFile
}

func (s *smtpServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.session(c) }()
	}
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 smtp.test ESMTP")
	var m received
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO":
			exts := []string{"250-smtp.test", "250-8BITMIME"}
			if s.startTLS && !m.tls {
				exts = append(exts, "250-STARTTLS")
			}
			if m.tls {
				exts = append(exts, "250-AUTH PLAIN")
			}
			exts = append(exts, "250 SIZE 1048576")
			for _, e := range exts {
				w.WriteString(e + "\r\n")
			}
			w.Flush()
		case verb == "STARTTLS":
			if !s.startTLS {
				say("502 5.5.1 not supported")
				continue
			}
			say("220 2.0.0 ready to start TLS")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, m.tls = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case verb == "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			f := strings.Split(string(raw), "\x00")
			if !m.tls || len(f) != 3 || f[1] != s.user || f[2] != s.pass {
				say("535 5.7.8 authentication failed")
				continue
			}
			m.authed = f[1]
			say("235 2.7.0 authenticated")
		case verb == "MAIL":
			m.from = line
			say("250 2.1.0 ok")
		case verb == "RCPT":
			if s.reject != "" && strings.Contains(line, s.reject) {
				say("550 5.1.1 no such user")
				continue
			}
			m.to = append(m.to, line)
			say("250 2.1.5 ok")
		case verb == "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = b.String()
			s.mu.Lock()
			s.mail = append(s.mail, m)
			s.mu.Unlock()
			say("250 2.0.0 queued")
		case verb == "QUIT":
			say("221 2.0.0 bye")
			return
		case verb == "RSET" || verb == "NOOP":
			say("250 ok")
		default:
			say("500 5.5.2 unknown command")
		}
	}
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mail...)
}

func waiting() message.Message {
	return message.Message{MessageId: "run-7.RUN_AWAITING_APPROVAL", MessageType: message.RunAwaitingApproval, Time: time.Now().UnixMilli(),
		Run: &message.Run{RunId: "run-7", Policy: "upsize", Summary: "waiting for approval to change workstation InstanceType t3.small → t3.medium",
			Change: "InstanceType t3.small → t3.medium", ApproveCommand: "tend runs approve run-7", CancelCommand: "tend runs cancel run-7",
			RunUrl: "http://tend.test/ui/runs/run-7"}}
}

// TestSendOverSTARTTLS: the mail goes out after STARTTLS, authenticated,
// with the run's approve and cancel commands in it.
func TestSendOverSTARTTLS(t *testing.T) {
	srv, ca := newSMTPServer(t, true)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	spec := notify.Spec{Name: "mail", Type: notify.TypeEmail, SMTP: srv.ln.Addr().String(), From: "tend <tend@example.com>",
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
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	m := got[0]
	if !m.tls || m.authed != "tend" || len(m.to) != 2 || !strings.Contains(m.from, "<tend@example.com>") {
		t.Fatalf("mail %+v", m)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(m.data))
	if err != nil {
		t.Fatalf("the mail does not parse: %v", err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if !strings.HasPrefix(subject, "tend: Approval needed: waiting for approval to change workstation InstanceType t3.small → t3.medium") {
		t.Errorf("Subject = %q", subject)
	}
	for _, want := range []string{"tend runs approve run-7", "tend runs cancel run-7", "http://tend.test/ui/runs/run-7",
		"Message-ID: <run-7.RUN_AWAITING_APPROVAL@tend>"} {
		if !strings.Contains(m.data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.data)
		}
	}
}

// TestRefusals: no STARTTLS offered → refused (permanent); an unknown
// recipient (550) is permanent; credentials are never sent in the clear.
func TestRefusals(t *testing.T) {
	plain, _ := newSMTPServer(t, false)
	ctx := context.Background()
	b := notify.Batch{Channel: "mail", Key: "k", Messages: []message.Message{waiting()}}
	ch, _ := email.New(notify.Spec{Name: "mail", SMTP: plain.ln.Addr().String(), From: "tend@example.com", To: []string{"a@example.com"}}, nil)
	var ne *notify.Error
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("no STARTTLS: %v", err)
	}
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.ln.Addr().String(), From: "tend@example.com", To: []string{"a@example.com"},
		StartTLS: "none", Username: "tend", Password: "s3cret"}, nil)
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("credentials in the clear: %v", err)
	}
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.ln.Addr().String(), From: "tend@example.com", To: []string{"a@example.com"}, StartTLS: "none"}, nil)
	if err := ch.Notify(ctx, b); err != nil {
		t.Fatalf("relay without TLS: %v", err)
	}
	plain.reject = "nobody@"
	ch, _ = email.New(notify.Spec{Name: "mail", SMTP: plain.ln.Addr().String(), From: "tend@example.com", To: []string{"nobody@example.com"}, StartTLS: "none"}, nil)
	if err := ch.Notify(ctx, b); !errors.As(err, &ne) || !ne.Permanent {
		t.Fatalf("550: %v", err)
	}
}
