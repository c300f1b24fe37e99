package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func runAccess(t *testing.T, open func(t testing.TB) store.Store) {
	t.Run("APIKeyScopes", func(t *testing.T) { testAPIKeyScopes(t, open(t)) })
	t.Run("Org", func(t *testing.T) { testOrg(t, open(t)) })
	t.Run("InsightsVisible", func(t *testing.T) { testInsightsVisible(t, open(t)) })
}

func testAPIKeyScopes(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	k := store.APIKey{ID: "k1", Name: "reader", Hash: []byte{1}, CreatedAt: t0, Scopes: []string{"read", "write"}, Accounts: []string{"111122223333", "444455556666"}}
	all := store.APIKey{ID: "k2", Name: "all", Hash: []byte{2}, CreatedAt: t0, Scopes: []string{"admin"}}
	for _, x := range []store.APIKey{k, all} {
		if err := s.APIKeys().Create(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.APIKeys().Get(ctx, "k1")
	if err != nil || !slices.Equal(got.Scopes, k.Scopes) || !slices.Equal(got.Accounts, k.Accounts) {
		t.Fatalf("Get = %+v, %v; want scopes %v accounts %v", got, err, k.Scopes, k.Accounts)
	}
	got, err = s.APIKeys().Get(ctx, "k2")
	if err != nil || !slices.Equal(got.Scopes, []string{"admin"}) || got.Accounts != nil {
		t.Fatalf("Get = %+v, %v; want admin over every account (nil accounts)", got, err)
	}
}

func testOrg(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := s.Org()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := o.AddOU(ctx, store.OrgNode{ID: "ou-prod", Name: "Production", Parent: "ou-missing", CreatedAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AddOU under a missing parent = %v, want ErrNotFound", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(o.AddOU(ctx, store.OrgNode{ID: "ou-prod", Name: "Production", Parent: store.RootOU, CreatedAt: t0}))
	must(o.AddOU(ctx, store.OrgNode{ID: "ou-eu", Name: "Europe", Parent: "ou-prod", CreatedAt: t0}))
	if err := o.AddOU(ctx, store.OrgNode{ID: "ou-prod", Name: "again", Parent: store.RootOU, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AddOU twice = %v, want ErrConflict", err)
	}
	must(o.AddAccount(ctx, store.OrgNode{ID: "111122223333", Name: "shop", Parent: "ou-prod", CreatedAt: t0}))
	must(o.AddAccount(ctx, store.OrgNode{ID: "444455556666", Name: "pay", Parent: "ou-eu", CreatedAt: t0}))
	if err := o.Move(ctx, "ou-prod", "ou-eu"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Move an OU under its child = %v, want ErrConflict", err)
	}
	must(o.Move(ctx, "444455556666", store.RootOU))
	if err := o.Move(ctx, "nope", store.RootOU); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Move unknown = %v, want ErrNotFound", err)
	}
	if err := o.Remove(ctx, "ou-prod"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Remove a non-empty OU = %v, want ErrConflict", err)
	}
	nodes, err := o.Nodes(ctx)
	must(err)
	var got []string
	for _, n := range nodes {
		got = append(got, fmt.Sprintf("%s:%s<%s", n.Kind, n.ID, n.Parent))
	}
	want := []string{"ou:ou-eu<ou-prod", "ou:ou-prod<root", "account:111122223333<ou-prod", "account:444455556666<root"}
	if !slices.Equal(got, want) {
		t.Fatalf("Nodes = %v, want %v", got, want)
	}
	if a, err := o.Admin(ctx); err != nil || a.Account != "" {
		t.Fatalf("Admin() = %+v, %v; want none", a, err)
	}
	if err := o.SetAdmin(ctx, "999999999999", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetAdmin(unknown) = %v, want ErrNotFound", err)
	}
	must(o.SetAdmin(ctx, "111122223333", t0))
	if a, err := o.Admin(ctx); err != nil || a.Account != "111122223333" || !a.Since.Equal(t0) {
		t.Fatalf("Admin() = %+v, %v", a, err)
	}
	must(o.Remove(ctx, "111122223333"))
	if a, err := o.Admin(ctx); err != nil || a.Account != "" {
		t.Fatalf("Admin() after removing its account = %+v, %v; want none", a, err)
	}
}

func testInsightsVisible(t *testing.T, s store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, acct := range []string{"111", "222", "333", "", "222"} {
		in := sampleInsight(fmt.Sprintf("ins-%d", i), fmt.Sprintf("b-%d", i), t0.Add(time.Duration(i)*time.Hour))
		in.Account, in.Region = acct, "eu-west-1"
		in.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		if i == 2 {
			in.Region = "us-east-1"
		}
		if err := s.Insights().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		f    store.InsightFilter
		want []string
	}{
		{"all", store.InsightFilter{}, []string{"ins-4", "ins-3", "ins-2", "ins-1", "ins-0"}},
		{"own", store.InsightFilter{Visible: &store.Visibility{Accounts: []string{"111"}}}, []string{"ins-0"}},
		{"nothing", store.InsightFilter{Visible: &store.Visibility{}}, nil},
		{"org since", store.InsightFilter{Visible: &store.Visibility{Accounts: []string{"111"}, OrgAccounts: []string{"222", "333"}, OrgSince: t0.Add(2 * time.Hour)}}, []string{"ins-4", "ins-2", "ins-0"}},
		{"region", store.InsightFilter{Region: "us-east-1"}, []string{"ins-2"}},
		{"created", store.InsightFilter{CreatedFrom: t0.Add(time.Hour), CreatedTo: t0.Add(3 * time.Hour)}, []string{"ins-2", "ins-1"}},
	}
	for _, c := range cases {
		p, err := s.Insights().List(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, in := range p.Insights {
			got = append(got, in.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
