package app_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
)

// TestBrowserLogin signs in with a real browser (Debian's headless
// Chromium): a page posts the login form, the browser keeps the session
// cookie (SameSite=Strict) and shows the overview with the key's
// account's insight only; the same form posted from another site is
// refused.
func TestBrowserLogin(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (.ci/run installs Debian's chromium)")
		}
		t.Skip("chromium is not installed")
	}
	ctx := context.Background()
	a, err := app.New(ctx, testConfig(t), app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	now := time.Now().UTC()
	for _, acct := range []string{testAccount, otherAccount} {
		in := store.Insight{ID: "ins-" + acct, Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
			ProblemType: "CPU_SATURATION", Name: "insight of " + acct, BoundaryKey: "stack::" + acct, BoundaryKind: "stack", BoundaryName: "shop",
			Account: acct, StartedAt: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour), UpdatedAt: now}
		if err := a.Store().Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	_, key, err := a.Keys().CreateWith(ctx, apikey.Spec{Name: "browser", Scopes: []access.Scope{access.Read}, Accounts: []string{testAccount}})
	if err != nil {
		t.Fatal(err)
	}
	// The form as tend's login page has it, submitted by a script so that
	// the headless browser needs no clicks.
	form := func(action string) string {
		return fmt.Sprintf(`<!doctype html><form method="post" action="%s"><input name="key" value="%s"><input name="next" value="/"></form>
<script>document.forms[0].submit()</script>`, html.EscapeString(action), html.EscapeString(key))
	}
	tend := a.Handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /test/sign-in", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, form("/ui/login"))
	})
	mux.Handle("/", tend)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, form(srv.URL+"/ui/login"))
	}))
	defer evil.Close()

	dir := t.TempDir()
	dom := func(name, url string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
			"--disable-dev-shm-usage", "--user-data-dir="+filepath.Join(dir, name), "--virtual-time-budget=10000", "--dump-dom", url).Output()
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, out)
		}
		return string(out)
	}
	page := dom("same-site", srv.URL+"/test/sign-in")
	if !strings.Contains(page, "insight of "+testAccount) || strings.Contains(page, "insight of "+otherAccount) || !strings.Contains(page, "Sign out") {
		t.Fatalf("after signing in, the browser shows:\n%s", page)
	}
	page = dom("cross-site", evil.URL+"/")
	if !strings.Contains(page, "must be posted from tend's own page") || strings.Contains(page, "insight of") {
		t.Fatalf("a login posted from another site gave:\n%s", page)
	}
	page = dom("no-session", srv.URL+"/")
	if !strings.Contains(page, `name="key"`) || strings.Contains(page, "insight of") {
		t.Fatalf("without a session the browser shows:\n%s", page)
	}
}
