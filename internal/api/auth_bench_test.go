package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
)

// BenchmarkAuthorize measures what authorisation adds to a request: a
// public route, a read route with an API key (verified keys and the
// organisation are cached), and one with a session cookie (a store read).
func BenchmarkAuthorize(b *testing.B) {
	s := storetest.OpenSQLite(b)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.CreateWith(context.Background(), apikey.Spec{Name: "b", Scopes: []access.Scope{access.Read}, Accounts: []string{"111"}})
	if err != nil {
		b.Fatal(err)
	}
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys})
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }
	a.Handle("GET /v1/open", access.Public, ok)
	a.Read("GET /v1/r", ok)
	h := a.Handler()
	// A session, as a browser would have it after signing in.
	form := "key=" + key
	login := httptest.NewRequest("POST", "http://example.com/ui/login", strings.NewReader(form))
	login.Header.Set("Origin", "http://example.com")
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, login)
	cookies := rec.Result().Cookies()
	if rec.Code != 303 || len(cookies) == 0 {
		b.Fatalf("login = %d", rec.Code)
	}
	for _, c := range []struct {
		name, path string
		set        func(*http.Request)
	}{
		{"public", "/v1/open", func(*http.Request) {}},
		{"api key", "/v1/r", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }},
		{"session", "/v1/r", func(r *http.Request) { r.AddCookie(cookies[0]) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			c.set(req)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 204 {
					b.Fatalf("%s = %d", c.path, rec.Code)
				}
			}
		})
	}
}
