package channel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/channel"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/notifytest"
)

var fence = regexp.MustCompile("(?s)```(yaml|json)\n(.*?)```")

// TestDocExamples checks docs/notifications.md: its example message is a
// message (every field known), every YAML block loads as a configuration
// file, every channel type has an example, each example's filter takes
// the example message, and each example channel — its endpoint and
// secret files pointed at a local server speaking its protocol — delivers
// it.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/notifications.md")
	if err != nil {
		t.Fatal(err)
	}
	var msg message.Message
	var specs []notify.Spec
	for i, m := range fence.FindAllSubmatch(doc, -1) {
		if string(m[1]) == "json" {
			dec := json.NewDecoder(bytes.NewReader(m[2]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&msg); err != nil {
				t.Fatalf("the example message: %v", err)
			}
			continue
		}
		file := filepath.Join(t.TempDir(), "tend.yaml")
		if err := os.WriteFile(file, m[2], 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(config.Sources{File: file, Env: func(string) (string, bool) { return "", false }})
		if err != nil {
			t.Fatalf("YAML block %d does not load:\n%s\n%v", i, m[2], err)
		}
		specs = append(specs, cfg.Notify.Channels...)
	}
	if msg.MessageId == "" {
		t.Fatal("no example message")
	}
	seen := map[string]bool{}
	for _, s := range specs {
		seen[s.Type] = true
	}
	for _, typ := range notify.Types {
		if !seen[typ] {
			t.Errorf("no example of a %s channel", typ)
		}
	}
	n := msg.Notification(msg.InsightId, msg.InsightSeverity, msg.Boundary.Kind, msg.Boundary.Name)
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			if !s.Filter.Accepts(n) {
				t.Fatalf("the example channel's filter %+v does not take the example message", s.Filter)
			}
			s, check := local(t, s)
			r, err := s.Resolved()
			if err != nil {
				t.Fatal(err)
			}
			env := channel.Env{}
			var fake *awstest.Fake
			if s.Type == notify.TypeSNS {
				fake = awstest.NewFake()
				t.Cleanup(fake.Close)
				topic := fake.CreateTopic(s.TopicARN[strings.LastIndex(s.TopicARN, ":")+1:])
				if topic != s.TopicARN {
					t.Fatalf("the fake's topic %s is not the example's %s", topic, s.TopicARN)
				}
				r.EndpointURL = fake.URL
				env.AWS = func(context.Context) (awssdk.Config, error) { return fake.AWSConfig(), nil }
				check = func(t *testing.T) {
					got := fake.Published(topic)
					if len(got) != 1 || !strings.Contains(got[0].Message, `"MessageId":"`+msg.MessageId+`"`) {
						t.Fatalf("published %+v", got)
					}
				}
			}
			ch, err := channel.Builder(env)(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if err := ch.Notify(context.Background(), notify.Batch{Channel: s.Name, Key: msg.MessageId, Messages: []message.Message{msg}}); err != nil {
				t.Fatalf("send: %v", err)
			}
			check(t)
		})
	}
}

// local points a channel at a server the test starts, writing its secret
// files, and returns the check that the server got the message.
func local(t *testing.T, s notify.Spec) (notify.Spec, func(*testing.T)) {
	t.Helper()
	secret := func(v string) string {
		f := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(f, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	switch s.Type {
	case notify.TypeWebhook:
		rcv := notifytest.NewReceiver("doc-secret")
		t.Cleanup(rcv.Close)
		s.URL, s.SecretFile = rcv.URL, secret("doc-secret")
		return s, func(t *testing.T) {
			if _, _, bad := rcv.Stats(); bad != 0 || len(rcv.Counts()) != 1 {
				t.Fatalf("receiver got %v (bad signatures %d)", rcv.Counts(), bad)
			}
		}
	case notify.TypeSlack, notify.TypeAlertmanager, notify.TypePagerDuty:
		var mu sync.Mutex
		var got []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, r.URL.Path+" "+string(b))
			mu.Unlock()
			switch s.Type {
			case notify.TypeSlack:
				_, _ = io.WriteString(w, "ok")
			case notify.TypePagerDuty:
				w.WriteHeader(http.StatusAccepted)
				_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"x"}`)
			}
		}))
		t.Cleanup(srv.Close)
		want := map[string]string{notify.TypeSlack: `/ {"`, notify.TypeAlertmanager: `/api/v2/alerts [{"labels":`,
			notify.TypePagerDuty: `/v2/enqueue {"routing_key":"doc-routing-key"`}[s.Type]
		switch s.Type {
		case notify.TypeSlack:
			s.URLFile = secret(srv.URL + "/")
		case notify.TypePagerDuty:
			s.URL, s.RoutingKeyFile = srv.URL, secret("doc-routing-key")
		default:
			s.URL = srv.URL
		}
		return s, func(t *testing.T) {
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.Contains(got[0], "CPU utilisation anomalous on host web-1") {
				t.Fatalf("server got %q, want one request starting %q", got, want)
			}
		}
	case notify.TypeEmail:
		srv, ca := notifytest.NewSMTPServer(t, true)
		s.SMTP, s.PasswordFile, s.TLSCAFile = srv.Addr(), secret("s3cret"), ca
		return s, func(t *testing.T) {
			got := srv.Received()
			if len(got) != 1 || !got[0].TLS || got[0].Authed != s.Username || len(got[0].To) != len(s.To) {
				t.Fatalf("mails %+v", got)
			}
		}
	}
	return s, func(*testing.T) {}
}
