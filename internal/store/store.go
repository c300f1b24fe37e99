// Package store defines how tend keeps its state: one small interface per
// aggregate, the errors every implementation returns, and the types that
// cross the boundary. Implementations live in sub-packages (sqlite, the
// embedded default, and postgres, for several replicas); storetest holds the
// conformance suite both must pass.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every implementation returns (wrapped) so callers can test with errors.Is.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a record with the same identity already exists, or a
	// concurrent writer changed it first.
	ErrConflict = errors.New("conflict")
)

// Store is the whole of tend's persistent state. Each accessor returns the
// store for one aggregate; all share one database and are safe for
// concurrent use by several goroutines and, on PostgreSQL, several processes.
type Store interface {
	APIKeys() APIKeys
	Insights() Insights
	Anomalies() Anomalies
	Stacks() Stacks
	Problems() Problems
	Runs() Runs
	Params() Params
	Catalog() Catalog
	Reviews() Reviews
	Outbox() Outbox
	Channels() Channels
	Events() Events
	Deployments() Deployments
	Rollouts() Rollouts
	Org() Org
	Sessions() Sessions

	// Ping checks that the database answers; /readyz uses it.
	Ping(ctx context.Context) error
	// Backend names the implementation ("sqlite" or "postgres").
	Backend() string
	// Close releases the database. It is safe to call once.
	Close() error
}

// APIKey is a credential for tend's write endpoints. Only a hash of the
// secret is ever stored.
type APIKey struct {
	ID         string    // public identifier, also the key's visible prefix
	Name       string    // what the operator called it
	Hash       []byte    // SHA-256 of the full key
	CreatedAt  time.Time //
	LastUsedAt time.Time // zero if never used
	RevokedAt  time.Time // zero while valid
	// Scopes are what the key allows (read, write, admin; package access).
	Scopes []string
	// Accounts are the accounts the key may see; nil means every account.
	Accounts []string
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeys stores API keys.
type APIKeys interface {
	// Create stores a new key; ErrConflict if the ID exists.
	Create(ctx context.Context, k APIKey) error
	// Get returns the key with the ID, revoked or not; ErrNotFound if none.
	Get(ctx context.Context, id string) (APIKey, error)
	// List returns every key, oldest first.
	List(ctx context.Context) ([]APIKey, error)
	// Revoke marks the key revoked at the given time; ErrNotFound if none.
	// Revoking a revoked key keeps the first revocation time.
	Revoke(ctx context.Context, id string, at time.Time) error
	// Touch records that the key was used at the given time.
	Touch(ctx context.Context, id string, at time.Time) error
}
