package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store/storetest"
)

// limitEnv is an API with auth.login_limit at 10 failures per 5 minutes, a
// clock the test moves, and a read key.
type limitEnv struct {
	h    http.Handler
	key  string
	logs *syncBuffer
	mu   sync.Mutex
	now  time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLimitEnv(t *testing.T, o api.AuthOptions) *limitEnv {
	t.Helper()
	e := &limitEnv{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), logs: &syncBuffer{}}
	clock := func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), clock)
	_, k, err := keys.CreateWith(context.Background(), apikey.Spec{Name: "k", Scopes: []access.Scope{access.Read}})
	if err != nil {
		t.Fatal(err)
	}
	e.key = k
	o.FailureLimit, o.FailureWindow = 10, 5*time.Minute
	a := api.New(api.Options{Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Store: s, Keys: keys, Auth: o, Now: clock})
	a.Read("GET /v1/r", func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	})
	e.h = a.Handler()
	return e
}

func (e *limitEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// login posts the login form from addr (with X-Forwarded-For xff when set).
func (e *limitEnv) login(addr, xff, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/ui/login", strings.NewReader(url.Values{"key": {key}, "next": {"/"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://example.com")
	return e.serve(r, addr, xff)
}

// bearer reads /v1/r with key from addr.
func (e *limitEnv) bearer(addr, xff, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/v1/r", nil)
	r.Header.Set("Authorization", "Bearer "+key)
	return e.serve(r, addr, xff)
}

func (e *limitEnv) serve(r *http.Request, addr, xff string) *httptest.ResponseRecorder {
	r.RemoteAddr = addr
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// wrong is a key of the right form that is not valid.
func wrong(key string) string { return key[:len(key)-4] + "AAAA" }

func TestLoginLimit(t *testing.T) {
	const attacker, other = "192.0.2.1:5000", "192.0.2.2:5000"
	type step struct {
		name    string
		advance time.Duration
		addr    string
		good    bool // the right key, else a wrong one
		n       int  // times (1 when 0)
		status  int
		retry   string // Retry-After wanted ("" none)
	}
	for _, tt := range []struct {
		name     string
		send     func(e *limitEnv, addr, key string) *httptest.ResponseRecorder
		warnings int // one per address per window
		steps    []step
	}{
		{"login form", func(e *limitEnv, addr, key string) *httptest.ResponseRecorder { return e.login(addr, "", key) }, 2, []step{
			{name: "ten failures are answered", addr: attacker, n: 10, status: http.StatusUnauthorized},
			{name: "the eleventh is refused", addr: attacker, status: http.StatusTooManyRequests, retry: "30"},
			{name: "a correct key is refused too while limited", addr: attacker, good: true, status: http.StatusTooManyRequests, retry: "30"},
			{name: "other addresses are unaffected", addr: other, good: true, status: http.StatusSeeOther},
			{name: "refusals do not extend the wait", advance: 20 * time.Second, addr: attacker, status: http.StatusTooManyRequests, retry: "10"},
			{name: "one more try after window/failures", advance: 10 * time.Second, addr: attacker, status: http.StatusUnauthorized},
			{name: "and limited again", addr: attacker, good: true, status: http.StatusTooManyRequests, retry: "30"},
			{name: "after the window, allowed again", advance: 5 * time.Minute, addr: attacker, good: true, status: http.StatusSeeOther},
			{name: "successes are not counted", addr: attacker, good: true, n: 15, status: http.StatusSeeOther},
			{name: "and the full allowance is back", addr: attacker, n: 10, status: http.StatusUnauthorized},
			{name: "limited in this new window", addr: attacker, status: http.StatusTooManyRequests, retry: "30"},
		}},
		{"api key", func(e *limitEnv, addr, key string) *httptest.ResponseRecorder { return e.bearer(addr, "", key) }, 1, []step{
			{name: "ten invalid keys are 401", addr: attacker, n: 10, status: http.StatusUnauthorized},
			{name: "the eleventh is 429", addr: attacker, status: http.StatusTooManyRequests, retry: "30"},
			{name: "a valid key is still served", addr: attacker, good: true, n: 3, status: http.StatusOK},
			{name: "other addresses are unaffected", addr: other, status: http.StatusUnauthorized},
			{name: "after the window, 401 again", advance: 5 * time.Minute, addr: attacker, status: http.StatusUnauthorized},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitEnv(t, api.AuthOptions{})
			for _, s := range tt.steps {
				e.advance(s.advance)
				key := wrong(e.key)
				if s.good {
					key = e.key
				}
				for i := range max(1, s.n) {
					w := tt.send(e, s.addr, key)
					if w.Code != s.status || w.Header().Get("Retry-After") != s.retry {
						t.Fatalf("%s (#%d): %d Retry-After %q, want %d %q; %s", s.name, i+1, w.Code, w.Header().Get("Retry-After"), s.status, s.retry, w.Body)
					}
					if w.Code == http.StatusTooManyRequests && !strings.Contains(w.Body.String(), "try again in "+s.retry+" seconds") {
						t.Fatalf("%s: the message does not say when: %s", s.name, w.Body)
					}
				}
			}
			logs := e.logs.String()
			if n := strings.Count(logs, "too many failed credentials"); n != tt.warnings {
				t.Errorf("%d warnings, want %d (1 per address per window):\n%s", n, tt.warnings, logs)
			}
			if !strings.Contains(logs, "client=192.0.2.1/32") || strings.Contains(logs, wrong(e.key)) || strings.Contains(logs, e.key) {
				t.Errorf("the warning names the address, never the key:\n%s", logs)
			}
		})
	}
}

func TestLimitedResponseShapes(t *testing.T) {
	e := newLimitEnv(t, api.AuthOptions{})
	for range 10 {
		e.bearer("192.0.2.1:1", "", wrong(e.key))
	}
	w := e.bearer("192.0.2.1:1", "", wrong(e.key))
	var body struct{ Error api.Error }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "too_many_requests" {
		t.Errorf("api: %d %s (%v), want a JSON error too_many_requests", w.Code, w.Body, err)
	}
	w = e.login("192.0.2.1:1", "", e.key)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(w.Body.String(), `role="alert">Too many failed sign-ins`) {
		t.Errorf("login: %s %s, want the form with the message", ct, w.Body)
	}
}

func TestLimitClientAddress(t *testing.T) {
	proxied := api.AuthOptions{ProxyTrusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, tt := range []struct {
		name              string
		o                 api.AuthOptions
		addr, xff         string // the ten failures'
		same, sameXFF     string // limited too
		differ, differXFF string // not limited
	}{
		{"connection address", api.AuthOptions{}, "192.0.2.1:1", "", "192.0.2.1:2", "", "192.0.2.3:1", ""},
		{"X-Forwarded-For ignored from an untrusted source", proxied, "192.0.2.1:1", "198.51.100.1", "192.0.2.1:1", "198.51.100.2", "192.0.2.3:1", "198.51.100.1"},
		{"the client behind a trusted proxy", proxied, "10.0.0.5:1", "198.51.100.7, 10.1.1.1", "10.0.0.6:1", "203.0.113.9, 198.51.100.7", "10.0.0.5:1", "198.51.100.8"},
		{"a port in X-Forwarded-For", proxied, "10.0.0.5:1", "198.51.100.7:4711", "10.0.0.5:1", "[::ffff:198.51.100.7]", "10.0.0.5:1", "198.51.100.8:4711"},
		{"IPv6 by /64", api.AuthOptions{}, "[2001:db8::1]:1", "", "[2001:db8::ffff]:1", "", "[2001:db8:0:1::1]:1", ""},
		{"IPv4-mapped IPv6 is IPv4", api.AuthOptions{}, "[::ffff:192.0.2.1]:1", "", "192.0.2.1:1", "", "192.0.2.2:1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitEnv(t, tt.o)
			for range 10 {
				e.bearer(tt.addr, tt.xff, wrong(e.key))
			}
			if w := e.bearer(tt.same, tt.sameXFF, wrong(e.key)); w.Code != http.StatusTooManyRequests {
				t.Errorf("%s (%s): %d, want 429", tt.same, tt.sameXFF, w.Code)
			}
			if w := e.bearer(tt.differ, tt.differXFF, wrong(e.key)); w.Code != http.StatusUnauthorized {
				t.Errorf("%s (%s): %d, want 401", tt.differ, tt.differXFF, w.Code)
			}
		})
	}
}

func TestNoLimitByDefault(t *testing.T) {
	e := newAuthAPI(t, api.AuthOptions{})
	for i := range 30 {
		if code, _, _ := call(t, nil, http.MethodGet, e.srv.URL+"/v1/r", map[string]string{"Authorization": "Bearer " + wrong(e.read)}, ""); code != http.StatusUnauthorized {
			t.Fatalf("#%d: %d, want 401 (no FailureLimit: no limit)", i, code)
		}
	}
}
