package cli

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestEventsCommands(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	evs := []store.Event{
		{ID: "evt-1", Key: "k1", Time: now.Add(-2 * time.Hour), Source: "api", EventSource: "ci", Class: store.EventDeployment, Name: "deploy cart v42",
			Actor: "alice", Resources: []store.EventResource{{Type: "pod", Name: "cart-0"}}, Namespace: "prod",
			Links: []store.Link{{Title: "pipeline", URL: "https://ci.example.com/42"}}, Details: map[string]string{"sha": "abc123"}, ReceivedAt: now},
		{ID: "evt-2", Key: "k2", Time: now.Add(-time.Hour), Source: "cloudtrail", EventSource: "lambda.amazonaws.com", Class: store.EventConfigChange,
			Name: "UpdateFunctionConfiguration", Resources: []store.EventResource{{Type: "function", Name: "checkout"}}, Account: "111122223333", ReceivedAt: now},
	}
	if _, _, err := s.Events().Add(ctx, evs); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.CreateWith(ctx, apikey.Spec{Name: "reader", Scopes: []access.Scope{access.Read}})
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Store: s, Keys: keys})
	api.RegisterEvents(h, s, api.EventsOptions{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	env := map[string]string{"TEND_API_KEY": key}

	code, out, errOut := runCLI(t, env, "events", "list", "--url", srv.URL)
	if code != 0 || !strings.Contains(out, "UpdateFunctionConfiguration") || !strings.Contains(out, "deploy cart v42") ||
		strings.Index(out, "UpdateFunctionConfiguration") > strings.Index(out, "deploy cart v42") {
		t.Fatalf("events list = %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "events", "list", "--url", srv.URL, "--class", "deployment")
	if code != 0 || strings.Contains(out, "UpdateFunctionConfiguration") || !strings.Contains(out, "namespace prod") {
		t.Fatalf("events list --class deployment = %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "events", "show", "evt-1", "--url", srv.URL)
	for _, want := range []string{"deploy cart v42", "DEPLOYMENT", "alice", "cart-0", "https://ci.example.com/42", "sha: abc123"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("events show lacks %q: %d %q", want, code, out)
		}
	}
	code, _, errOut = runCLI(t, env, "events", "list", "--url", srv.URL, "--class", "deploys")
	if code == 0 || !strings.Contains(errOut, "class") {
		t.Errorf("a bad class = %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, env, "events", "show", "nope", "--url", srv.URL)
	if code == 0 || !strings.Contains(errOut, "404") {
		t.Errorf("events show nope = %d %q", code, errOut)
	}
}
