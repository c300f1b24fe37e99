package apikey_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestCreateWithScopesAndAccounts(t *testing.T) {
	ctx := context.Background()
	keys := apikey.New(storetest.OpenSQLite(t).APIKeys(), nil)
	rec, key, err := keys.CreateWith(ctx, apikey.Spec{Name: "w", Scopes: []access.Scope{access.Write}, Accounts: []string{"111", "111", "222"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := keys.Verify(ctx, key)
	if err != nil || !slices.Equal(got.Scopes, []string{"write"}) || !slices.Equal(got.Accounts, []string{"111", "222"}) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if l, err := keys.Lookup(ctx, rec.ID); err != nil || l.Name != "w" {
		t.Fatalf("Lookup = %+v, %v", l, err)
	}
	_, admin, err := keys.Create(ctx, "old style")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := keys.Verify(ctx, admin); !slices.Equal(got.Scopes, []string{"admin"}) || got.Accounts != nil {
		t.Fatalf("Create = %+v, want admin over every account", got)
	}
	if _, _, err := keys.CreateWith(ctx, apikey.Spec{Name: "x", Scopes: []access.Scope{"owner"}}); err == nil || !strings.Contains(err.Error(), "unknown scope") {
		t.Fatalf("an unknown scope: %v", err)
	}
	if _, _, err := keys.CreateWith(ctx, apikey.Spec{Name: "x", Accounts: []string{"a b"}}); err == nil {
		t.Fatal("a malformed account was accepted")
	}
	if err := keys.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Lookup(ctx, rec.ID); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("Lookup(revoked) = %v, want ErrInvalid", err)
	}
	if _, err := keys.Lookup(ctx, "nope"); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("Lookup(unknown) = %v, want ErrInvalid", err)
	}
}
