package store

import (
	"context"
	"time"
)

// AWSKey is an AWS-style credential for the DevOps Guru API: an access key
// id and its secret access key, which Signature Version 4 needs in clear to
// recompute a request's HMAC. The store holds the secret sealed
// (SecretSealed, see internal/devopsguru), never in clear.
type AWSKey struct {
	AccessKeyID  string
	Name         string
	SecretSealed []byte
	// Scopes are what the key may do (read, write, admin); Accounts the
	// accounts it may see (empty: every account its scopes allow).
	Scopes     []string
	Accounts   []string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Revoked reports whether the key has been revoked.
func (k AWSKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// AWSKeys stores AWS-style credentials.
type AWSKeys interface {
	// Create stores a new key; ErrConflict if the access key id exists.
	Create(ctx context.Context, k AWSKey) error
	// Get returns the key; ErrNotFound if none.
	Get(ctx context.Context, accessKeyID string) (AWSKey, error)
	// List returns every key, oldest first.
	List(ctx context.Context) ([]AWSKey, error)
	// Revoke marks the key revoked at at; ErrNotFound if none.
	Revoke(ctx context.Context, accessKeyID string, at time.Time) error
	// Touch records a use.
	Touch(ctx context.Context, accessKeyID string, at time.Time) error
}
