package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
	"github.com/tendhq/tend/internal/web"
)

// The page applies the same rules as the API: a principal sees its
// accounts' insights only, filters are GET /v1/insights' (errors name the
// field), and another account's insight is a 404.
func TestPagesHonourAccounts(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	now := time.Now().UTC().Truncate(time.Second)
	for i, acct := range []string{"111122223333", "444455556666"} {
		in := store.Insight{ID: fmt.Sprintf("ins-%d", i), Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
			ProblemType: "CPU_SATURATION", Name: "insight of " + acct, BoundaryKey: "stack::shop-" + acct, BoundaryKind: "stack", BoundaryName: "shop",
			Account: acct, Region: "eu-west-1", StartedAt: now.Add(-10 * time.Minute), CreatedAt: now, UpdatedAt: now}
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	ui, err := web.New(web.Options{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range ui.Routes() {
		mux.HandleFunc(r.Pattern, r.Handler)
	}
	member := access.Principal{Via: access.ViaSession, Scopes: []access.Scope{access.Read}, Accounts: []string{"111122223333"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(access.WithPrincipal(r.Context(), member)))
	}))
	defer srv.Close()
	for _, tt := range []struct {
		path     string
		status   int
		want     []string
		unwanted []string
	}{
		{"/", 200, []string{"insight of 111122223333", "<th>Account</th>", "eu-west-1", `action="/ui/logout"`}, []string{"insight of 444455556666"}},
		{"/?account=444455556666", 200, []string{"No insights"}, []string{"insight of 444455556666"}},
		{"/?account=1,2,3,4,5,6", 400, []string{"account: at most 5 accounts"}, nil},
		{"/?since=200d", 400, []string{"since:"}, nil},
		{"/?status=&severity=high", 200, []string{"insight of 111122223333"}, nil},
		{"/ui/insights/ins-0", 200, []string{"insight of 111122223333"}, nil},
		{"/ui/insights/ins-1", 404, []string{"no such record"}, []string{"444455556666"}},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d:\n%s", tt.path, resp.StatusCode, tt.status, body)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, u := range tt.unwanted {
			if strings.Contains(string(body), u) {
				t.Errorf("GET %s shows %q", tt.path, u)
			}
		}
	}
}
