package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestRouteTooLarge: a route with its own TooLarge answers a body over
// server.max_body_bytes in its format, before its handler runs; others get
// tend's JSON 413.
func TestRouteTooLarge(t *testing.T) {
	a := api.New(api.Options{Logger: logging.Discard(), Store: storetest.OpenSQLite(t), MaxBodyBytes: 2048})
	reached := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })
	a.HandleRoute(api.Route{Pattern: "POST /own/", Scope: access.Public, Handler: h,
		TooLarge: func(w http.ResponseWriter, r *http.Request, limit int64) {
			w.Header().Set("X-Own", "yes")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			fmt.Fprintf(w, "over %d", limit)
		}})
	a.HandleRoute(api.Route{Pattern: "POST /plain", Scope: access.Public, Handler: h})
	for _, tt := range []struct{ path, header, body string }{
		{"/own/x", "yes", "over 2048"},
		{"/plain", "", `"code": "too_large"`},
	} {
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(strings.Repeat("x", 2049))))
		if w.Code != http.StatusRequestEntityTooLarge || w.Header().Get("X-Own") != tt.header || !strings.Contains(w.Body.String(), tt.body) || reached {
			t.Errorf("%s: %d %q %s (handler reached: %v), want 413 with %q", tt.path, w.Code, w.Header().Get("X-Own"), w.Body, reached, tt.body)
		}
	}
}
