package apikey_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/store"
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

// countingKeys counts the store reads Verify makes.
type countingKeys struct {
	store.APIKeys
	gets int
}

func (c *countingKeys) Get(ctx context.Context, id string) (store.APIKey, error) {
	c.gets++
	return c.APIKeys.Get(ctx, id)
}

// TestVerifyCache: a verified key is trusted for CacheTTL without a store
// read; revoked through the same Keys it stops at once, revoked by another
// process (another Keys over the same store) within CacheTTL.
func TestVerifyCache(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := &countingKeys{APIKeys: s.APIKeys()}
	keys := apikey.New(st, clock)
	other := apikey.New(s.APIKeys(), clock) // e.g. `tend apikey revoke`

	_, key, err := keys.Create(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := keys.Verify(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if st.gets != 1 {
		t.Fatalf("3 verifications read the store %d times, want 1", st.gets)
	}
	// A wrong secret for a cached id is still refused.
	wrong := key[:len(key)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(key, "A")]
	if _, err := keys.Verify(ctx, wrong); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("Verify(wrong secret, cached id) = %v", err)
	}
	if err := other.Revoke(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Verify(ctx, key); err != nil {
		t.Fatalf("a key revoked elsewhere stopped before CacheTTL: %v", err)
	}
	now = now.Add(apikey.CacheTTL)
	if _, err := keys.Verify(ctx, key); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("a key revoked elsewhere still works after CacheTTL: %v", err)
	}

	_, key2, err := keys.Create(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Verify(ctx, key2); err != nil {
		t.Fatal(err)
	}
	if err := keys.Revoke(ctx, key2); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Verify(ctx, key2); !errors.Is(err, apikey.ErrInvalid) {
		t.Fatalf("a key revoked through the same Keys still works: %v", err)
	}
}
