package notifytest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPServer is a small SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT, as RFC 5321 and 3207 have them.
type SMTPServer struct {
	ln       net.Listener
	tls      *tls.Config
	startTLS bool   // offer STARTTLS
	user     string // accepted AUTH PLAIN user / password
	pass     string
	// Reject: a recipient containing it is answered 550 (set before use).
	Reject string

	mu   sync.Mutex
	mail []Mail
	wg   sync.WaitGroup
}

// Mail is one mail the server accepted: the MAIL and RCPT lines, the
// data, whether it came over TLS, and the authenticated user.
type Mail struct {
	From   string
	To     []string
	Data   string
	TLS    bool
	Authed string
}

// NewSMTPServer starts a server on 127.0.0.1 offering STARTTLS when
// startTLS (a self-signed certificate, returned as a PEM file for
// tls_ca_file) and accepting AUTH PLAIN tend / s3cret over TLS; it stops
// when the test ends.
func NewSMTPServer(t testing.TB, startTLS bool) (*SMTPServer, string) {
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
	s := &SMTPServer{ln: ln, startTLS: startTLS, user: "tend", pass: "s3cret",
		tls: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s, caFile
}

func (s *SMTPServer) serve() {
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

func (s *SMTPServer) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 smtp.test ESMTP")
	var m Mail
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
			if s.startTLS && !m.TLS {
				exts = append(exts, "250-STARTTLS")
			}
			if m.TLS {
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
			c, m.TLS = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case verb == "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			f := strings.Split(string(raw), "\x00")
			if !m.TLS || len(f) != 3 || f[1] != s.user || f[2] != s.pass {
				say("535 5.7.8 authentication failed")
				continue
			}
			m.Authed = f[1]
			say("235 2.7.0 authenticated")
		case verb == "MAIL":
			m.From = line
			say("250 2.1.0 ok")
		case verb == "RCPT":
			if s.Reject != "" && strings.Contains(line, s.Reject) {
				say("550 5.1.1 no such user")
				continue
			}
			m.To = append(m.To, line)
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
			m.Data = b.String()
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

// Addr is the server's host:port.
func (s *SMTPServer) Addr() string { return s.ln.Addr().String() }

// Received returns the mails accepted so far.
func (s *SMTPServer) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}
