package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// A credential limited to one account pages through events and problems
// of many accounts: every page is full of its own (the store is read on
// past the other accounts' items), each of its items comes exactly once,
// and none of another account's.
func TestListsOfALimitedCredentialAreFull(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	var evs []store.Event
	mine := map[string]bool{}
	for i := range 200 {
		acct := "222"
		if i%20 == 7 { // 10 of the 200 are account 111's, spread out
			acct = "111"
		}
		id := fmt.Sprintf("evt-%03d", i)
		at := t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, store.Event{ID: id, Key: id, Time: at, Source: "api", Class: store.EventDeployment, Name: "deploy", Account: acct, ReceivedAt: at})
		if acct == "111" {
			mine[id] = true
		}
		pid := fmt.Sprintf("p-%03d", i)
		body := fmt.Sprintf(`{"title":"p","tags":{"account":%q}}`, acct)
		if _, err := s.Problems().Record(ctx, store.ProblemRecord{ID: "prb-" + pid, Source: "api", ExternalID: pid, Title: pid, State: "OPEN", Body: []byte(body), FirstSeen: at, LastSeen: at},
			store.Occurrence{ID: "occ-" + pid, Digest: pid, State: "OPEN", Body: []byte(body), ReceivedAt: at}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Events().Add(ctx, evs); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.CreateWith(ctx, apikey.Spec{Name: "k", Scopes: []access.Scope{access.Read}, Accounts: []string{"111"}})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys})
	api.RegisterEvents(a, s, api.EventsOptions{})
	api.RegisterProblems(a, nil, s.Problems())
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	get := func(path string, out any) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(out)
		return resp.StatusCode
	}

	seen := map[string]int{}
	var sizes []int
	for cursor, pages := "", 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("more than 10 pages of 4 for 10 events: %v", sizes)
		}
		var page store.EventPage
		q := url.Values{"limit": {"4"}, "since": {"1d"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if code := get("/v1/events?"+q.Encode(), &page); code != 200 {
			t.Fatalf("GET /v1/events: %d", code)
		}
		sizes = append(sizes, len(page.Events))
		for _, e := range page.Events {
			seen[e.ID]++
			if !mine[e.ID] {
				t.Errorf("event %s of account %s shown to a key of 111", e.ID, e.Account)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(seen) != len(mine) {
		t.Errorf("saw %d of the account's %d events (pages %v)", len(seen), len(mine), sizes)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s on %d pages", id, n)
		}
	}
	if sizes[0] != 4 || sizes[1] != 4 {
		t.Errorf("page sizes %v: the first two pages should be full", sizes)
	}
	var none store.EventPage
	if get("/v1/events?account=222", &none); len(none.Events) != 0 {
		t.Errorf("account=222 for a key of 111: %d events", len(none.Events))
	}

	var probs struct{ Problems []api.ProblemView }
	if code := get("/v1/problems?limit=5", &probs); code != 200 || len(probs.Problems) != 5 {
		t.Fatalf("GET /v1/problems?limit=5 = %d, %d problems; want 5 of the account's 10", code, len(probs.Problems))
	}
	for _, p := range probs.Problems {
		var n int
		fmt.Sscanf(p.ExternalID, "p-%d", &n)
		if n%20 != 7 {
			t.Errorf("problem %s of another account shown", p.ExternalID)
		}
	}
}
