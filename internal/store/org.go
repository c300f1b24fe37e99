package store

import (
	"context"
	"time"
)

// RootOU is the id of the organisation's root.
const RootOU = "root"

// OrgNode is an organisational unit or an account in the organisation's
// tree (as AWS Organizations has it). Parent is an OU id (RootOU at the top).
type OrgNode struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // "ou" or "account"
	Parent    string    `json:"parent"`
	CreatedAt time.Time `json:"created_at"`
}

// OrgAdmin is the organisation's delegated administrator account.
type OrgAdmin struct {
	Account string    `json:"account"`
	Since   time.Time `json:"since"`
}

// Org stores the organisation.
type Org interface {
	// AddOU adds an OU under parent (RootOU or an OU); ErrConflict if the
	// id exists, ErrNotFound if the parent does not.
	AddOU(ctx context.Context, n OrgNode) error
	// AddAccount adds an account under parent, or renames and moves it if
	// it exists; ErrNotFound if the parent does not exist.
	AddAccount(ctx context.Context, n OrgNode) error
	// Move puts the account or OU with the id under parent. ErrNotFound if
	// either is unknown; ErrConflict if an OU would end up under itself.
	Move(ctx context.Context, id, parent string) error
	// Remove deletes an account or an empty OU; ErrNotFound if unknown,
	// ErrConflict if the OU still has children.
	Remove(ctx context.Context, id string) error
	// Nodes lists every OU and account, OUs first, each by id.
	Nodes(ctx context.Context) ([]OrgNode, error)
	// SetAdmin makes the account the delegated administrator since at
	// (account "" removes it); ErrNotFound if the account is not in the
	// organisation.
	SetAdmin(ctx context.Context, account string, at time.Time) error
	// Admin returns the delegated administrator; Account "" if none.
	Admin(ctx context.Context) (OrgAdmin, error)
}

// Visibility restricts a query to what a principal may see (package
// access builds it). A nil *Visibility restricts nothing. Rows of
// Accounts are visible; rows of OrgAccounts only when created at or after
// OrgSince (the delegated administrator's rule, for insights); rows with no
// account are not visible.
type Visibility struct {
	Accounts    []string
	OrgAccounts []string
	OrgSince    time.Time
}

// Session is a web page's login: the page asked for an API key once and
// keeps a cookie whose SHA-256 (Hash, hex) finds this record.
type Session struct {
	Hash      string
	KeyID     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Sessions stores web sessions.
type Sessions interface {
	Create(ctx context.Context, s Session) error
	// Get returns the session; ErrNotFound if unknown (expired ones are
	// returned: the caller checks ExpiresAt).
	Get(ctx context.Context, hash string) (Session, error)
	// Delete removes the session (logout); no error if unknown.
	Delete(ctx context.Context, hash string) error
	// DeleteExpired removes sessions expired before now.
	DeleteExpired(ctx context.Context, now time.Time) error
}
