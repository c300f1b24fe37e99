package devopsguru_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tendhq/tend/internal/devopsguru"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestKeys stores AWS keys on SQLite and PostgreSQL: the secret is sealed
// (not in the database in clear), verifiable with the data directory's key
// file and not without it; revoke and list.
func TestKeys(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *sqlstore.DB{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			dir := t.TempDir()
			keys, err := devopsguru.OpenKeys(s.AWSKeys(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, secret, err := keys.Create(ctx, "ci", []string{"read", "admin"}, []string{"111111111111", "222222222222"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.AWSKeys().Get(ctx, rec.AccessKeyID)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(got.SecretSealed, []byte(secret)) || len(got.SecretSealed) < len(secret)+16 {
				t.Fatalf("the secret is stored in clear or not sealed: %x", got.SecretSealed)
			}
			if got.Name != "ci" || len(got.Scopes) != 2 || len(got.Accounts) != 2 || got.Accounts[1] != "222222222222" {
				t.Fatalf("stored: %+v", got)
			}
			if _, err := s.AWSKeys().Get(ctx, "TENDNOSUCHKEY0000000"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("unknown key: %v", err)
			}
			if err := s.AWSKeys().Create(ctx, got); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("same id twice: %v", err)
			}
			// Another data directory's key file cannot open the secrets.
			other, err := devopsguru.OpenKeys(s.AWSKeys(), t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if ok := devopsguru.CanOpen(ctx, other, rec.AccessKeyID); ok {
				t.Fatal("a key file of another data directory opened the secret")
			}
			if ok := devopsguru.CanOpen(ctx, keys, rec.AccessKeyID); !ok {
				t.Fatal("the data directory's key file does not open the secret")
			}
			if fi, err := os.Stat(filepath.Join(dir, devopsguru.SealKeyFile)); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
				t.Fatalf("key file: %v %v", fi, err)
			}
			if err := keys.Revoke(ctx, rec.AccessKeyID); err != nil {
				t.Fatal(err)
			}
			if devopsguru.CanOpen(ctx, keys, rec.AccessKeyID) {
				t.Fatal("a revoked key still verifies")
			}
			list, err := keys.List(ctx)
			if err != nil || len(list) != 1 || !list[0].Revoked() || list[0].SecretSealed != nil {
				t.Fatalf("list: %+v %v", list, err)
			}
			if _, _, err := keys.Create(ctx, "", nil, nil); err == nil {
				t.Fatal("a key without a name")
			}
			if _, _, err := keys.Create(ctx, "x", []string{"root"}, nil); err == nil {
				t.Fatal("an unknown scope")
			}
		})
	}
}
