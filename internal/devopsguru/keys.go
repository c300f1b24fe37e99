package devopsguru

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// SealKeyFile is the file in tend's data directory holding the 32-byte
// AES-256-GCM key that seals the secret access keys at rest. SigV4 needs
// each secret in clear to recompute a signature, so a hash cannot do; the
// database alone (a backup, a PostgreSQL dump) does not reveal the secrets
// without this file. Several replicas sharing PostgreSQL need the same file.
const SealKeyFile = "aws_keys.key"

// ErrUnknownKey is returned for an access key id that is unknown or revoked.
var ErrUnknownKey = errors.New("unknown or revoked access key id")

// Keys mints AWS-style credentials and finds their secrets to verify
// signatures.
type Keys struct {
	store store.AWSKeys
	aead  cipher.AEAD
	now   func() time.Time

	mu      sync.Mutex
	cache   map[string]cachedKey
	touched map[string]time.Time
}

type cachedKey struct {
	key    store.AWSKey
	secret string
	until  time.Time
}

// keyCacheTTL is how long a key's record is trusted without reading the
// store again (a key revoked by another process stops working within it).
const keyCacheTTL = 5 * time.Second

// OpenKeys returns Keys over s, sealing with the key in dataDir/SealKeyFile
// (created, mode 0600, when missing).
func OpenKeys(s store.AWSKeys, dataDir string, now func() time.Time) (*Keys, error) {
	if now == nil {
		now = time.Now
	}
	key, err := loadSealKey(filepath.Join(dataDir, SealKeyFile))
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aws keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("aws keys: %w", err)
	}
	return &Keys{store: s, aead: aead, now: now, cache: map[string]cachedKey{}, touched: map[string]time.Time{}}, nil
}

func loadSealKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("aws keys: %s holds %d bytes, not the 32 of an AES-256 key (restore it from a backup; without it the stored secrets cannot be read)", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("aws keys: read %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("aws keys: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("aws keys: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process created it first
		return loadSealKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("aws keys: create %s: %w", path, err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("aws keys: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("aws keys: write %s: %w", path, err)
	}
	return key, nil
}

// Scopes a key may carry.
var validScopes = map[string]bool{"read": true, "write": true, "admin": true}

// Create mints an access key id and secret access key with the scopes
// (default read) and accounts, stores the secret sealed and returns both;
// the secret is shown once and never again.
func (k *Keys) Create(ctx context.Context, name string, scopes, accounts []string) (store.AWSKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.AWSKey{}, "", errors.New("a key needs a name (--name), e.g. the team or tool that will use it")
	}
	if len(name) > 100 {
		return store.AWSKey{}, "", errors.New("key name is longer than 100 characters")
	}
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	for _, s := range scopes {
		if !validScopes[s] {
			return store.AWSKey{}, "", fmt.Errorf("scope %q is not one of read, write, admin", s)
		}
	}
	for _, a := range accounts {
		if a == "" || len(a) > 64 || strings.ContainsAny(a, ", \t") {
			return store.AWSKey{}, "", fmt.Errorf("account %q is not an account id (12 digits, or the name tend knows it by)", a)
		}
	}
	var idb [10]byte
	var sec [30]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return store.AWSKey{}, "", fmt.Errorf("create aws key: %w", err)
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return store.AWSKey{}, "", fmt.Errorf("create aws key: %w", err)
	}
	// 20 characters like an AWS access key id; TEND marks it as tend's.
	id := "TEND" + base32.StdEncoding.EncodeToString(idb[:])[:16]
	secret := base64.StdEncoding.EncodeToString(sec[:]) // 40 characters
	rec := store.AWSKey{AccessKeyID: id, Name: name, SecretSealed: k.seal(id, secret),
		Scopes: scopes, Accounts: accounts, CreatedAt: k.now().UTC()}
	if err := k.store.Create(ctx, rec); err != nil {
		return store.AWSKey{}, "", fmt.Errorf("create aws key: %w", err)
	}
	return rec, secret, nil
}

func (k *Keys) seal(id, secret string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, []byte(secret), []byte(id))
}

func (k *Keys) open(id string, sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed secret is too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return "", fmt.Errorf("open the secret of %s: %w (was %s replaced?)", id, err, SealKeyFile)
	}
	return string(plain), nil
}

// lookup returns an active key and its secret; ErrUnknownKey when there is
// none.
func (k *Keys) lookup(ctx context.Context, id string) (store.AWSKey, string, error) {
	now := k.now()
	k.mu.Lock()
	c, ok := k.cache[id]
	k.mu.Unlock()
	if ok && now.Before(c.until) {
		k.touch(ctx, id)
		return c.key, c.secret, nil
	}
	rec, err := k.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.AWSKey{}, "", ErrUnknownKey
	}
	if err != nil {
		return store.AWSKey{}, "", err
	}
	if rec.Revoked() {
		return store.AWSKey{}, "", ErrUnknownKey
	}
	secret, err := k.open(id, rec.SecretSealed)
	if err != nil {
		return store.AWSKey{}, "", err
	}
	k.mu.Lock()
	k.cache[id] = cachedKey{key: rec, secret: secret, until: now.Add(keyCacheTTL)}
	k.mu.Unlock()
	k.touch(ctx, id)
	return rec, secret, nil
}

func (k *Keys) touch(ctx context.Context, id string) {
	now := k.now()
	k.mu.Lock()
	due := now.Sub(k.touched[id]) >= time.Minute
	if due {
		k.touched[id] = now
	}
	k.mu.Unlock()
	if due {
		_ = k.store.Touch(ctx, id, now)
	}
}

// Revoke revokes a key; requests signed with it are refused from then on.
func (k *Keys) Revoke(ctx context.Context, id string) error {
	k.mu.Lock()
	delete(k.cache, id)
	k.mu.Unlock()
	return k.store.Revoke(ctx, id, k.now().UTC())
}

// List returns every key record (never a secret).
func (k *Keys) List(ctx context.Context) ([]store.AWSKey, error) {
	list, err := k.store.List(ctx)
	for i := range list {
		list[i].SecretSealed = nil
	}
	return list, err
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
