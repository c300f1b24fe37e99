package apikey_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestCreateVerifyRevoke(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)

	rec, key, err := keys.Create(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "tend_"+rec.ID+"_") {
		t.Fatalf("key %q does not carry its id %q", key, rec.ID)
	}
	stored, _ := s.APIKeys().Get(ctx, rec.ID)
	if strings.Contains(string(stored.Hash), key) || len(stored.Hash) != 32 {
		t.Fatal("stored record is not a SHA-256 hash")
	}
	if got, err := keys.Verify(ctx, key); err != nil || got.ID != rec.ID {
		t.Fatalf("Verify(valid) = %v, %v", got, err)
	}
	last := "A"
	if strings.HasSuffix(key, "A") {
		last = "B"
	}
	bad := []string{"", "tend_", key + "x", key[:len(key)-1] + last, "tend_nope_" + strings.Repeat("a", 43), "Bearer " + key}
	for _, b := range bad {
		if _, err := keys.Verify(ctx, b); !errors.Is(err, apikey.ErrInvalid) {
			t.Errorf("Verify(%q) = %v, want ErrInvalid", b, err)
		}
	}
	if err := keys.Revoke(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Verify(ctx, key); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("Verify(revoked) = %v, want ErrInvalid", err)
	}
	if _, _, err := keys.Create(ctx, "  "); err == nil {
		t.Fatal("Create with an empty name succeeded")
	}
}
