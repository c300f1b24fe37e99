package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// Organisations: OU filters take the accounts directly under the OUs,
// member keys see their accounts, the delegated administrator sees the
// organisation's insights created since it became administrator.
func TestInsightsAcrossAccounts(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	t0 := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	org := s.Org()
	for _, n := range []store.OrgNode{{ID: "ou-prod", Kind: "ou", Parent: store.RootOU}, {ID: "ou-eu", Kind: "ou", Parent: "ou-prod"}} {
		if err := org.AddOU(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []store.OrgNode{{ID: "111", Parent: "ou-prod"}, {ID: "444", Parent: "ou-eu"}, {ID: "999", Parent: store.RootOU}} {
		if err := org.AddAccount(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	// The administrator since t0+24h: it sees 444's new insight, not its old one.
	if err := org.SetAdmin(ctx, "999", t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		id, account, region string
		created             time.Duration
	}{{"a-111", "111", "eu-west-1", 0}, {"a-444-old", "444", "eu-west-1", time.Hour}, {"a-444-new", "444", "us-east-1", 30 * time.Hour},
		{"a-777", "777", "eu-west-1", 31 * time.Hour}, {"a-999", "999", "eu-west-1", 2 * time.Hour}} {
		c := t0.Add(x.created)
		in := store.Insight{ID: x.id, Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityLow, ProblemType: "CPU_SATURATION",
			Name: x.id, BoundaryKey: "stack::" + x.id, BoundaryKind: "stack", BoundaryName: x.id, Account: x.account, Region: x.region,
			StartedAt: c, CreatedAt: c, UpdatedAt: c}
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	keys := apikey.New(s.APIKeys(), nil)
	mk := func(accounts ...string) string {
		_, k, err := keys.CreateWith(ctx, apikey.Spec{Name: "k", Scopes: []access.Scope{access.Read}, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	all, member, admin := mk(), mk("111"), mk("999")
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys})
	api.RegisterInsights(a, s, nil)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	list := func(key, query string) (int, []string, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/insights?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Insights []store.Insight
			Error    struct{ Field, Message string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		var ids []string
		for _, in := range page.Insights {
			ids = append(ids, in.ID)
		}
		slices.Sort(ids)
		return resp.StatusCode, ids, page.Error.Field + ": " + page.Error.Message
	}
	for _, tt := range []struct {
		name, key, query string
		want             []string
		field            string
	}{
		{"every account", all, "", []string{"a-111", "a-444-new", "a-444-old", "a-777", "a-999"}, ""},
		{"an OU: the accounts directly under it", all, "ou=ou-prod", []string{"a-111"}, ""},
		{"nested OUs are chosen themselves", all, "ou=ou-prod,ou-eu", []string{"a-111", "a-444-new", "a-444-old"}, ""},
		{"region", all, "region=us-east-1", []string{"a-444-new"}, ""},
		{"accounts", all, "account=111,777", []string{"a-111", "a-777"}, ""},
		{"a member sees its account", member, "", []string{"a-111"}, ""},
		{"a member asking for another account gets nothing", member, "account=444", nil, ""},
		{"the administrator: the organisation since it became administrator, and its own", admin, "", []string{"a-444-new", "a-999"}, ""},
		{"the administrator filters by OU", admin, "ou=ou-eu", []string{"a-444-new"}, ""},
		{"six accounts", all, "account=1,2,3,4,5,6", nil, "account"},
		{"six OUs", all, "ou=a,b,c,d,e,f", nil, "ou"},
		{"an unknown OU", all, "ou=ou-nope", nil, "ou"},
		{"accounts and OUs", all, "account=111&ou=ou-prod", nil, "ou"},
		{"more than 180 days", all, "since=181d", nil, "since"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, ids, msg := list(tt.key, tt.query)
			if tt.field != "" {
				if code != 400 || !strings.HasPrefix(msg, tt.field+": ") {
					t.Fatalf("= %d %q, want a 400 naming %s", code, msg, tt.field)
				}
				return
			}
			if code != 200 || !slices.Equal(ids, tt.want) {
				t.Fatalf("= %d %v, want %v (%s)", code, ids, tt.want, msg)
			}
		})
	}
}
