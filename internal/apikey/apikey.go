// Package apikey mints, stores and checks the API keys that guard every
// endpoint; each key carries scopes and the accounts it may see (package
// access). A key reads "tend_<id>_<secret>": the id finds the record, and only
// the SHA-256 of the whole key is stored, so a leaked database does not leak
// keys. Keys carry 256 bits of randomness, which is why a fast hash is enough
// (no password stretching); comparison is constant-time.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
)

const prefix = "tend_"

// ErrInvalid is returned for a key that is malformed, unknown or revoked.
// Callers must not tell these apart in responses.
var ErrInvalid = errors.New("invalid API key")

// Keys creates and verifies API keys over a store.
type Keys struct {
	store store.APIKeys
	now   func() time.Time

	mu      sync.Mutex
	touched map[string]time.Time // last time a use was written, per key
	// verified holds the keys that verified recently, by id, so that a busy
	// sender does not cost a store read per request (see CacheTTL).
	verified map[string]verifiedKey
}

type verifiedKey struct {
	rec   store.APIKey
	until time.Time
}

// CacheTTL is how long a verified key is trusted without reading the store
// again. A key revoked through the same Keys (the same tend process) stops
// working at once; one revoked by another process, e.g. `tend apikey
// revoke` against a running server's store, within CacheTTL.
const CacheTTL = 5 * time.Second

// New returns Keys over s; now is the clock (time.Now in production).
func New(s store.APIKeys, now func() time.Time) *Keys {
	if now == nil {
		now = time.Now
	}
	return &Keys{store: s, now: now, touched: map[string]time.Time{}, verified: map[string]verifiedKey{}}
}

// Create mints an admin key over every account (CreateWith with only a
// name).
func (k *Keys) Create(ctx context.Context, name string) (store.APIKey, string, error) {
	return k.CreateWith(ctx, Spec{Name: name})
}

// Spec says what a new key is for.
type Spec struct {
	Name string
	// Scopes are what it allows (nil: admin).
	Scopes []access.Scope
	// Accounts are the accounts it may see (nil: every account).
	Accounts []string
}

// CreateWith mints a key, stores its hash and returns the record and the
// key itself, which is shown to the operator once and never again.
func (k *Keys) CreateWith(ctx context.Context, spec Spec) (store.APIKey, string, error) {
	name := strings.TrimSpace(spec.Name)
	scopes := spec.Scopes
	if len(scopes) == 0 {
		scopes = []access.Scope{access.Admin}
	}
	var scopeNames []string
	for _, s := range scopes {
		if s != access.Read && s != access.Write && s != access.Admin {
			return store.APIKey{}, "", fmt.Errorf("unknown scope %q: use read, write or admin", s)
		}
		scopeNames = append(scopeNames, string(s))
	}
	accounts, err := access.ParseAccounts(spec.Accounts)
	if err != nil {
		return store.APIKey{}, "", err
	}
	if name == "" {
		return store.APIKey{}, "", errors.New("a key needs a name (--name), e.g. the team or system that will use it")
	}
	if len(name) > 100 {
		return store.APIKey{}, "", errors.New("key name is longer than 100 characters")
	}
	var idb [6]byte
	var secret [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return store.APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return store.APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	id := strings.ToLower(base64.RawURLEncoding.EncodeToString(idb[:]))
	id = strings.NewReplacer("-", "x", "_", "y").Replace(id)
	full := prefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	rec := store.APIKey{ID: id, Name: name, Hash: hash(full), CreatedAt: k.now().UTC(), Scopes: scopeNames, Accounts: accounts}
	if err := k.store.Create(ctx, rec); err != nil {
		return store.APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	return rec, full, nil
}

// Verify checks a presented key and returns its record. Every failure is
// ErrInvalid (wrapped), whatever the cause, except store errors.
func (k *Keys) Verify(ctx context.Context, presented string) (store.APIKey, error) {
	id, ok := parseID(presented)
	if !ok {
		return store.APIKey{}, ErrInvalid
	}
	now := k.now()
	k.mu.Lock()
	v, cached := k.verified[id]
	k.mu.Unlock()
	if cached && now.Before(v.until) && subtle.ConstantTimeCompare(hash(presented), v.rec.Hash) == 1 {
		k.touch(ctx, id)
		return v.rec, nil
	}
	rec, err := k.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same work as a real comparison.
		subtle.ConstantTimeCompare(hash(presented), make([]byte, sha256.Size))
		return store.APIKey{}, ErrInvalid
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("verify api key: %w", err)
	}
	if subtle.ConstantTimeCompare(hash(presented), rec.Hash) != 1 || rec.Revoked() {
		return store.APIKey{}, ErrInvalid
	}
	k.mu.Lock()
	k.verified[id] = verifiedKey{rec: rec, until: now.Add(CacheTTL)}
	k.mu.Unlock()
	k.touch(ctx, id)
	return rec, nil
}

// touch records the last use, at most once a minute per key, so a busy
// webhook does not turn every request into a write.
func (k *Keys) touch(ctx context.Context, id string) {
	now := k.now()
	k.mu.Lock()
	last := k.touched[id]
	due := now.Sub(last) >= time.Minute
	if due {
		k.touched[id] = now
	}
	k.mu.Unlock()
	if due {
		_ = k.store.Touch(ctx, id, now)
	}
}

// Revoke revokes the key with the id (the part after "tend_" or the whole key).
func (k *Keys) Revoke(ctx context.Context, idOrKey string) error {
	id := idOrKey
	if parsed, ok := parseID(idOrKey); ok {
		id = parsed
	}
	k.mu.Lock()
	delete(k.verified, id)
	k.mu.Unlock()
	if err := k.store.Revoke(ctx, id, k.now().UTC()); err != nil {
		return fmt.Errorf("revoke api key %s: %w", id, err)
	}
	return nil
}

// List returns every key record.
func (k *Keys) List(ctx context.Context) ([]store.APIKey, error) { return k.store.List(ctx) }

func parseID(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || id == "" || len(id) > 16 || len(secret) != 43 {
		return "", false
	}
	return id, true
}

func hash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Lookup returns the record of a valid key by its id (for a session that
// was opened with the key); ErrInvalid if unknown or revoked.
func (k *Keys) Lookup(ctx context.Context, id string) (store.APIKey, error) {
	now := k.now()
	k.mu.Lock()
	v, cached := k.verified[id]
	k.mu.Unlock()
	if cached && now.Before(v.until) {
		return v.rec, nil
	}
	rec, err := k.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.APIKey{}, ErrInvalid
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("look up api key: %w", err)
	}
	if rec.Revoked() {
		return store.APIKey{}, ErrInvalid
	}
	return rec, nil
}
