package access_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
)

func TestCan(t *testing.T) {
	for _, tt := range []struct {
		have []access.Scope
		need access.Scope
		want bool
	}{
		{[]access.Scope{access.Read}, access.Read, true},
		{[]access.Scope{access.Read}, access.Write, false},
		{[]access.Scope{access.Write}, access.Read, false}, // remote_write keys read nothing
		{[]access.Scope{access.Admin}, access.Read, true},
		{[]access.Scope{access.Admin}, access.Write, true},
		{[]access.Scope{access.Read, access.Write}, access.Admin, false},
		{nil, access.Public, true},
		{nil, access.Signed, true},
		{nil, access.Read, false},
	} {
		if got := (access.Principal{Scopes: tt.have}).Can(tt.need); got != tt.want {
			t.Errorf("%v.Can(%s) = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
	if !access.Local().Can(access.Admin) || !access.Local().AllAccounts() || access.Anonymous().Can(access.Write) {
		t.Error("Local must be admin over every account; Anonymous read only")
	}
}

func TestAccountsAndTheDelegatedAdministrator(t *testing.T) {
	since := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	org := access.Org{Accounts: []string{"111", "444", "999"}, AdminAccount: "999", AdminSince: since}
	admin := org.ForKey(access.ViaKey, "k1", "ops", []access.Scope{access.Read}, []string{"999"})
	member := org.ForKey(access.ViaKey, "k2", "shop", []access.Scope{access.Read}, []string{"111"})
	all := org.ForKey(access.ViaKey, "k3", "all", []access.Scope{access.Read}, nil)
	if !admin.OrgAdmin || member.OrgAdmin || all.OrgAdmin {
		t.Fatalf("OrgAdmin: admin %v member %v all %v", admin.OrgAdmin, member.OrgAdmin, all.OrgAdmin)
	}
	before, after := since.Add(-time.Second), since
	for _, tt := range []struct {
		name    string
		p       access.Principal
		account string
		created time.Time
		want    bool
	}{
		{"member, own", member, "111", before, true},
		{"member, other", member, "444", after, false},
		{"member, no account", member, "", after, false},
		{"every account, no account", all, "", before, true},
		{"admin, org account after", admin, "444", after, true},
		{"admin, org account before", admin, "444", before, false},
		{"admin, own account before", admin, "999", before, true},
		{"admin, outside the org", admin, "777", after, false},
	} {
		if got := tt.p.SeesInsight(tt.account, tt.created); got != tt.want {
			t.Errorf("%s: SeesInsight = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !admin.SeesAccount("444") || member.SeesAccount("444") {
		t.Error("SeesAccount")
	}
	v := admin.Visibility()
	if v == nil || !slices.Equal(v.Accounts, []string{"999"}) || !slices.Equal(v.OrgAccounts, []string{"111", "444"}) || !v.OrgSince.Equal(since) {
		t.Fatalf("Visibility = %+v", v)
	}
	if all.Visibility() != nil {
		t.Fatal("a principal over every account restricts nothing")
	}
}

func TestParse(t *testing.T) {
	s, err := access.ParseScopes([]string{"write,read", " READ "})
	if err != nil || !slices.Equal(s, []access.Scope{access.Read, access.Write}) {
		t.Fatalf("ParseScopes = %v, %v", s, err)
	}
	if _, err := access.ParseScopes([]string{"root"}); err == nil {
		t.Fatal("ParseScopes(root) passed")
	}
	a, err := access.ParseAccounts([]string{"111, 222", "111"})
	if err != nil || !slices.Equal(a, []string{"111", "222"}) {
		t.Fatalf("ParseAccounts = %v, %v", a, err)
	}
	if a, _ := access.ParseAccounts(nil); a != nil {
		t.Fatal("no accounts must be nil (every account)")
	}
	if _, err := access.ParseAccounts([]string{"a b"}); err == nil {
		t.Fatal("ParseAccounts(a b) passed")
	}
}

func TestContext(t *testing.T) {
	if _, ok := access.FromContext(context.Background()); ok {
		t.Fatal("a principal in an empty context")
	}
	p := access.Principal{Name: "x", Via: access.ViaSigV4}
	got, ok := access.FromContext(access.WithPrincipal(context.Background(), p))
	if !ok || got.Name != "x" {
		t.Fatalf("FromContext = %+v, %v", got, ok)
	}
	var au access.Authenticator = access.AuthenticatorFunc(func(r *http.Request) (access.Principal, error) { return p, nil })
	if got, err := au.Authenticate(httptest.NewRequest("GET", "/", nil)); err != nil || got.Via != access.ViaSigV4 {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
}

func TestVisibleAccounts(t *testing.T) {
	type Principal = access.Principal
	for _, tt := range []struct {
		name string
		p    Principal
		want []string
	}{
		{"every account", Principal{}, nil},
		{"none", Principal{Accounts: []string{}}, []string{}},
		{"its own, once", Principal{Accounts: []string{"111", "222", "111"}}, []string{"111", "222"}},
		{"an organisation's as its administrator", Principal{Accounts: []string{"999"}, OrgAdmin: true, OrgAccounts: []string{"111", "999"}}, []string{"999", "111"}},
		{"not an organisation's otherwise", Principal{Accounts: []string{"999"}, OrgAccounts: []string{"111"}}, []string{"999"}},
	} {
		got := tt.p.VisibleAccounts()
		if (got == nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
