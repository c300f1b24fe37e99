package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
)

type authEnv struct {
	srv                   *httptest.Server
	keys                  *apikey.Keys
	read, write, admin    string
	readWrite, otherAdmin string
}

func newAuthAPI(t *testing.T, o api.AuthOptions, extra ...access.Authenticator) authEnv {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	mk := func(sc []access.Scope, accounts ...string) string {
		_, k, err := keys.CreateWith(context.Background(), apikey.Spec{Name: "k", Scopes: sc, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	e := authEnv{keys: keys,
		read: mk([]access.Scope{access.Read}), write: mk([]access.Scope{access.Write}), admin: mk([]access.Scope{access.Admin}),
		readWrite: mk([]access.Scope{access.Read, access.Write}), otherAdmin: mk([]access.Scope{access.Admin}, "222")}
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys, Auth: o})
	for _, au := range extra {
		a.AddAuthenticator(au)
	}
	who := func(w http.ResponseWriter, r *http.Request) {
		p := api.Principal(r)
		api.WriteJSON(w, http.StatusOK, map[string]any{"via": p.Via, "name": p.Name, "sees_111": p.SeesAccount("111")})
	}
	a.Read("GET /v1/r", who)
	a.Write("POST /v1/w", who)
	a.Admin("POST /v1/a", who)
	a.Read("GET /{$}", who) // a page
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func call(t *testing.T, c *http.Client, method, u string, hdr map[string]string, body string) (int, string, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b), resp
}

func TestScopes(t *testing.T) {
	e := newAuthAPI(t, api.AuthOptions{})
	bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
	for _, tt := range []struct {
		name, method, path string
		hdr                map[string]string
		want               int
		inBody             string
	}{
		{"read without a key", "GET", "/v1/r", nil, 401, "needs a credential"},
		{"read with a read key", "GET", "/v1/r", bearer(e.read), 200, `"via": "key"`},
		{"read with a write key (remote_write) is refused", "GET", "/v1/r", bearer(e.write), 403, "needs the read scope"},
		{"read with admin", "GET", "/v1/r", map[string]string{"X-API-Key": e.admin}, 200, `"sees_111": true`},
		{"write with a write key", "POST", "/v1/w", bearer(e.write), 200, ""},
		{"write with a read key", "POST", "/v1/w", bearer(e.read), 403, "needs the write scope"},
		{"admin with read and write", "POST", "/v1/a", bearer(e.readWrite), 403, "needs the admin scope; this credential (key "},
		{"admin with admin", "POST", "/v1/a", bearer(e.admin), 200, ""},
		{"another account's admin does not see 111", "POST", "/v1/a", bearer(e.otherAdmin), 200, `"sees_111": false`},
		{"a wrong key", "GET", "/v1/r", bearer("tend_abc_" + strings.Repeat("A", 43)), 401, "not valid"},
		{"a page without a credential, from a browser, goes to the login", "GET", "/", map[string]string{"Accept": "text/html"}, 303, ""},
		{"healthz stays open", "GET", "/healthz", nil, 200, "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body, resp := call(t, nil, tt.method, e.srv.URL+tt.path, tt.hdr, "")
			if code != tt.want || !strings.Contains(body, tt.inBody) {
				t.Fatalf("%s %s = %d %s; want %d containing %q", tt.method, tt.path, code, body, tt.want, tt.inBody)
			}
			if code == 303 && resp.Header.Get("Location") != "/ui/login?next=%2F" {
				t.Fatalf("redirect to %q", resp.Header.Get("Location"))
			}
		})
	}
}

func TestAnonymousRead(t *testing.T) {
	e := newAuthAPI(t, api.AuthOptions{AnonymousRead: true})
	if code, body, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", nil, ""); code != 200 || !strings.Contains(body, `"via": "anonymous"`) {
		t.Fatalf("anonymous read = %d %s", code, body)
	}
	if code, _, _ := call(t, nil, "POST", e.srv.URL+"/v1/w", nil, ""); code != 401 {
		t.Fatalf("anonymous write = %d, want 401", code)
	}
}

func TestTrustedProxyHeader(t *testing.T) {
	loopback := api.AuthOptions{ProxyHeader: "X-Forwarded-User", ProxyTrusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		ProxyScopes: []access.Scope{access.Read}, ProxyAccounts: []string{"111"}}
	e := newAuthAPI(t, loopback)
	code, body, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", map[string]string{"X-Forwarded-User": "alice"}, "")
	if code != 200 || !strings.Contains(body, `"via": "proxy"`) || !strings.Contains(body, `"name": "alice"`) || !strings.Contains(body, `"sees_111": true`) {
		t.Fatalf("proxy user = %d %s", code, body)
	}
	if code, _, _ := call(t, nil, "POST", e.srv.URL+"/v1/w", map[string]string{"X-Forwarded-User": "alice"}, ""); code != 403 {
		t.Fatalf("proxy user writing = %d, want 403 (proxy users have read)", code)
	}
	// Behind the proxy the browser's Origin is the proxy's host, which the
	// proxy passes as X-Forwarded-Host: the login form is accepted.
	login := map[string]string{"Origin": "https://tend.example.com", "X-Forwarded-Host": "tend.example.com", "Content-Type": "application/x-www-form-urlencoded"}
	if code, _, _ := call(t, nil, "POST", e.srv.URL+"/ui/login", login, "key="+e.read); code != 303 {
		t.Fatalf("login through the trusted proxy = %d, want 303", code)
	}
	elsewhere := loopback
	elsewhere.ProxyTrusted = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	e = newAuthAPI(t, elsewhere)
	if code, body, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", map[string]string{"X-Forwarded-User": "mallory"}, ""); code != 401 || !strings.Contains(body, "trusted_cidrs") {
		t.Fatalf("header from an untrusted source = %d %s, want 401", code, body)
	}
	if code, _, _ := call(t, nil, "POST", e.srv.URL+"/ui/login", login, "key="+e.read); code != 403 {
		t.Fatalf("X-Forwarded-Host from an untrusted source = %d, want 403", code)
	}
}

func TestAddedAuthenticator(t *testing.T) {
	sig := access.AuthenticatorFunc(func(r *http.Request) (access.Principal, error) {
		switch r.Header.Get("X-Sig") {
		case "":
			return access.Principal{}, access.ErrNoCredential
		case "good":
			return access.Principal{Via: access.ViaSigV4, Name: "AKIA", Scopes: []access.Scope{access.Read}}, nil
		}
		return access.Principal{}, errors.Join(access.ErrInvalidCredential, errors.New("the signature does not match"))
	})
	e := newAuthAPI(t, api.AuthOptions{}, sig)
	if code, body, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", map[string]string{"X-Sig": "good"}, ""); code != 200 || !strings.Contains(body, `"via": "sigv4"`) {
		t.Fatalf("signed = %d %s", code, body)
	}
	if code, body, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", map[string]string{"X-Sig": "bad"}, ""); code != 401 || !strings.Contains(body, "does not match") {
		t.Fatalf("bad signature = %d %s", code, body)
	}
	if code, _, _ := call(t, nil, "GET", e.srv.URL+"/v1/r", map[string]string{"Authorization": "Bearer " + e.read}, ""); code != 200 {
		t.Fatalf("API keys still work: %d", code)
	}
}

func TestWebSession(t *testing.T) {
	e := newAuthAPI(t, api.AuthOptions{})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	origin := map[string]string{"Origin": e.srv.URL, "Content-Type": "application/x-www-form-urlencoded"}
	form := func(key string) string { return url.Values{"key": {key}, "next": {"/"}}.Encode() }

	if code, body, _ := call(t, browser, "GET", e.srv.URL+"/ui/login?next=//evil.example", nil, ""); code != 200 || !strings.Contains(body, `name="key"`) || strings.Contains(body, "evil") {
		t.Fatalf("login page = %d %s", code, body)
	}
	if code, _, _ := call(t, browser, "POST", e.srv.URL+"/ui/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, form(e.read)); code != 403 {
		t.Fatalf("login posted from another site = %d, want 403", code)
	}
	if code, body, _ := call(t, browser, "POST", e.srv.URL+"/ui/login", origin, form("tend_abc_"+strings.Repeat("A", 43))); code != 401 || !strings.Contains(body, "not valid") {
		t.Fatalf("login with a wrong key = %d %s", code, body)
	}
	if code, body, _ := call(t, browser, "POST", e.srv.URL+"/ui/login", origin, form(e.write)); code != 403 || !strings.Contains(body, "needs the read scope") {
		t.Fatalf("login with a write-only key = %d %s", code, body)
	}
	code, _, resp := call(t, browser, "POST", e.srv.URL+"/ui/login", origin, form(e.readWrite))
	if code != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("login = %d → %s", code, resp.Header.Get("Location"))
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"tend_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, e.readWrite) || strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q carries the key or is Secure over plain HTTP", sc)
	}
	if code, body, _ := call(t, browser, "GET", e.srv.URL+"/v1/r", nil, ""); code != 200 || !strings.Contains(body, `"via": "session"`) {
		t.Fatalf("read with the session = %d %s", code, body)
	}
	if code, body, _ := call(t, browser, "POST", e.srv.URL+"/v1/w", nil, ""); code != 403 || !strings.Contains(body, "from the page itself") {
		t.Fatalf("a cross-site write with the session = %d %s, want 403", code, body)
	}
	if code, _, _ := call(t, browser, "POST", e.srv.URL+"/v1/w", map[string]string{"Origin": e.srv.URL}, ""); code != 200 {
		t.Fatalf("a same-origin write with the session = %d", code)
	}
	if code, _, _ := call(t, browser, "POST", e.srv.URL+"/v1/a", map[string]string{"Origin": e.srv.URL}, ""); code != 403 {
		t.Fatalf("the session has the key's scopes only: admin = %d", code)
	}
	if code, _, _ := call(t, browser, "POST", e.srv.URL+"/ui/logout", map[string]string{"Origin": e.srv.URL}, ""); code != 303 {
		t.Fatalf("logout = %d", code)
	}
	if code, _, _ := call(t, browser, "GET", e.srv.URL+"/v1/r", nil, ""); code != 401 {
		t.Fatalf("read after logout = %d, want 401", code)
	}
	if code, _, resp := call(t, browser, "GET", e.srv.URL+"/", map[string]string{"Accept": "text/html"}, ""); code != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Fatalf("the page after logout = %d → %s, want the login", code, resp.Header.Get("Location"))
	}

	// A session ends with its key.
	if code, _, _ := call(t, browser, "POST", e.srv.URL+"/ui/login", origin, form(e.read)); code != 303 {
		t.Fatal("login again")
	}
	id := strings.SplitN(e.read, "_", 3)[1]
	if err := e.keys.Revoke(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := call(t, browser, "GET", e.srv.URL+"/v1/r", nil, ""); code != 401 || !strings.Contains(body, "sign in again") {
		t.Fatalf("read with the session of a revoked key = %d %s", code, body)
	}
	if code, _, resp := call(t, browser, "GET", e.srv.URL+"/", map[string]string{"Accept": "text/html"}, ""); code != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Fatalf("the page with an ended session = %d → %s, want the login", code, resp.Header.Get("Location"))
	}
}

func TestEveryRouteHasAScope(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Handle with no scope did not panic")
		}
	}()
	a := api.New(api.Options{Logger: logging.Discard(), Store: storetest.OpenSQLite(t)})
	for _, r := range a.Routes() {
		if r.Scope == "" {
			t.Errorf("%s has no scope", r.Pattern)
		}
	}
	a.Handle("GET /v1/x", "", func(http.ResponseWriter, *http.Request) {})
}
