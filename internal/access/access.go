// Package access is tend's one authorisation layer: who is calling (a
// Principal), what they may do (Scopes) and which accounts' data they may
// see. The API's middleware, the web page, the DevOps Guru API and the CLI
// all decide with the same Principal methods, so a rule is written once.
//
// # The contract (stable; other packages rely on it)
//
//   - Scopes: Read (every GET and read-only POST such as searches), Write
//     (ingest, problems, events: what senders push), Admin (keys, policies,
//     catalog, channels, approvals, deployments, rollouts). Admin implies
//     Read and Write; Write does NOT imply Read, so a remote_write key can
//     ingest and read nothing.
//   - A route needs exactly one Scope (Public for /healthz, /readyz and,
//     when configured, /metrics). The API's middleware authenticates the
//     request, puts the Principal into the context (WithPrincipal) and
//     answers 401 (no or bad credential) or 403 (p.Can(scope) is false)
//     before the handler runs.
//   - Handlers read it back with FromContext and filter what they return:
//     a single resource in an account the principal cannot see answers 404
//     (as if it did not exist); lists leave such items out. Use
//     p.SeesAccount(account) for one item, p.SeesInsight(account, created)
//     for insights (the delegated administrator's time rule), and
//     p.Visibility() as the account filter of store queries.
//   - Accounts: a principal with no Accounts sees every account; one with
//     Accounts sees those only. The organisation's delegated administrator
//     (a key whose accounts include the configured administrator account)
//     also sees every account of the organisation, but only insights
//     created at or after OrgAdminSince.
//   - The CLI works on the store directly as the local operator: Local(),
//     admin over every account (whoever can read tend's config and data
//     directory is its operator).
package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Scope is what a credential allows.
type Scope string

// The scopes. See the package documentation for what each allows.
const (
	Read  Scope = "read"
	Write Scope = "write"
	Admin Scope = "admin"
	// Public is not held by credentials: it marks a route that needs none.
	Public Scope = "public"
	// Signed marks a route whose handler verifies a credential of its own
	// (a webhook's HMAC signature, which senders such as GitHub use
	// instead of an API key); the middleware lets it through as Public.
	Signed Scope = "signed"
)

// Scopes lists the scopes a key may hold, in order.
var Scopes = []Scope{Read, Write, Admin}

// ParseScopes reads scopes given as repeated values and/or comma-separated
// lists ("read", "read,write"), rejecting unknown names. The result is
// deduplicated and in the order of Scopes; empty input gives nil.
func ParseScopes(values []string) ([]Scope, error) {
	seen := map[Scope]bool{}
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" {
				continue
			}
			if !slices.Contains(Scopes, Scope(s)) {
				return nil, fmt.Errorf("unknown scope %q: use read, write or admin", s)
			}
			seen[Scope(s)] = true
		}
	}
	var out []Scope
	for _, s := range Scopes {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

var validAccount = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// ValidAccount reports whether s can be an account id (a 12-digit AWS
// account, a project or subscription id: letters, digits, . _ : -, at most
// 64 characters).
func ValidAccount(s string) bool { return validAccount.MatchString(s) }

// ParseAccounts reads account ids given as repeated values and/or comma
// lists, rejecting malformed ones; deduplicated, in the order given.
func ParseAccounts(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, a := range strings.Split(v, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if !ValidAccount(a) {
				return nil, fmt.Errorf("account %q is not an account id (letters, digits, . _ : -, at most 64)", a)
			}
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// Via says how a principal was authenticated.
type Via string

// The ways in.
const (
	ViaKey       Via = "key"       // Authorization: Bearer / X-API-Key
	ViaSession   Via = "session"   // the web page's session cookie
	ViaProxy     Via = "proxy"     // a trusted proxy's user header
	ViaSigV4     Via = "sigv4"     // an AWS access key (DevOps Guru API)
	ViaAnonymous Via = "anonymous" // auth.anonymous_read
	ViaLocal     Via = "local"     // the CLI on the store directly
)

// Principal is who is calling and what they may see. The zero value may
// do nothing.
type Principal struct {
	KeyID  string // the API key's or access key's id; "" for anonymous, proxy and local
	Name   string // the key's name or the proxy's user
	Via    Via
	Scopes []Scope
	// Accounts are the accounts the principal may see; nil means every one.
	Accounts []string
	// OrgAdmin is true for the organisation's delegated administrator,
	// which also sees OrgAccounts' insights created at or after
	// OrgAdminSince.
	OrgAdmin      bool
	OrgAccounts   []string
	OrgAdminSince time.Time
}

// Local is the CLI's principal: admin over every account.
func Local() Principal {
	return Principal{Name: "local operator", Via: ViaLocal, Scopes: []Scope{Admin}}
}

// Anonymous is the principal of a request without a credential when
// auth.anonymous_read is on: read over every account.
func Anonymous() Principal {
	return Principal{Name: "anonymous", Via: ViaAnonymous, Scopes: []Scope{Read}}
}

// Can reports whether the principal holds s (Admin holds every scope;
// anyone may use a Public route).
func (p Principal) Can(s Scope) bool {
	if s == Public || s == Signed {
		return true
	}
	return slices.Contains(p.Scopes, s) || slices.Contains(p.Scopes, Admin)
}

// AllAccounts reports whether the principal sees every account.
func (p Principal) AllAccounts() bool { return p.Accounts == nil }

// VisibleAccounts lists the accounts whose data the principal may see (its
// own and, as the delegated administrator, its organisation's), for a
// store filter; nil when it sees every account (AllAccounts).
func (p Principal) VisibleAccounts() []string {
	if p.AllAccounts() {
		return nil
	}
	out := []string{}
	for _, a := range append(append([]string(nil), p.Accounts...), p.OrgAccounts...) {
		if a != "" && p.SeesAccount(a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// SeesAccount reports whether the principal may see data of the account
// (for insights use SeesInsight, which also applies the time rule). Data
// with no account ("") is seen only by principals that see every account.
func (p Principal) SeesAccount(account string) bool {
	if p.Accounts == nil {
		return true
	}
	if account == "" {
		return false
	}
	return slices.Contains(p.Accounts, account) || (p.OrgAdmin && slices.Contains(p.OrgAccounts, account))
}

// SeesInsight reports whether the principal may see an insight of the
// account created at created.
func (p Principal) SeesInsight(account string, created time.Time) bool {
	if p.Accounts == nil {
		return true
	}
	if account == "" {
		return false
	}
	if slices.Contains(p.Accounts, account) {
		return true
	}
	return p.OrgAdmin && slices.Contains(p.OrgAccounts, account) && !created.Before(p.OrgAdminSince)
}

// Visibility is the account filter for store queries (InsightFilter.Visible
// and the like): nil when the principal sees every account.
func (p Principal) Visibility() *store.Visibility {
	if p.Accounts == nil {
		return nil
	}
	v := &store.Visibility{Accounts: slices.Clone(p.Accounts)}
	if p.OrgAdmin {
		for _, a := range p.OrgAccounts {
			if !slices.Contains(v.Accounts, a) {
				v.OrgAccounts = append(v.OrgAccounts, a)
			}
		}
		v.OrgSince = p.OrgAdminSince
	}
	return v
}

// String names the principal for logs ("key abc123 (ci)").
func (p Principal) String() string {
	if p.KeyID != "" {
		return fmt.Sprintf("%s %s (%s)", p.Via, p.KeyID, p.Name)
	}
	return fmt.Sprintf("%s (%s)", p.Via, p.Name)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal. ok is false when none was
// set, which handlers behind the API's middleware never see; callers
// outside it (tests, the CLI) should treat that as Principal{} (nothing).
func FromContext(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Errors an Authenticator returns.
var (
	// ErrNoCredential: the request carries no credential of this kind;
	// the next authenticator is tried.
	ErrNoCredential = errors.New("no credential")
	// ErrInvalidCredential: a credential of this kind is present but
	// wrong (unknown, revoked, bad signature, expired): 401.
	ErrInvalidCredential = errors.New("invalid credential")
)

// Authenticator recognises one kind of credential. Authenticate returns
// the principal, an error wrapping ErrNoCredential when the request has no
// credential of its kind, one wrapping ErrInvalidCredential when it has a
// wrong one (its message is shown to the caller, so it must not reveal
// secrets), or another error (store down: 500). It may read and must then
// restore r.Body.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// Org is what authorisation needs of the organisation: its accounts and
// its delegated administrator.
type Org struct {
	Accounts     []string  // every account in the tree
	AdminAccount string    // the delegated administrator account, "" if none
	AdminSince   time.Time // when it became administrator
}

// ForKey returns the principal of a verified credential with the given
// scopes and accounts (nil: every account), applying the organisation's
// delegated administrator rule.
func (o Org) ForKey(via Via, id, name string, scopes []Scope, accounts []string) Principal {
	p := Principal{KeyID: id, Name: name, Via: via, Scopes: scopes, Accounts: accounts}
	if accounts != nil && o.AdminAccount != "" && slices.Contains(accounts, o.AdminAccount) {
		p.OrgAdmin, p.OrgAccounts, p.OrgAdminSince = true, slices.Clone(o.Accounts), o.AdminSince
	}
	return p
}

// KeyScopes converts a key record's stored scopes.
func KeyScopes(stored []string) []Scope {
	out := make([]Scope, 0, len(stored))
	for _, s := range stored {
		out = append(out, Scope(s))
	}
	return out
}

// LoadOrg reads the organisation's accounts and delegated administrator.
func LoadOrg(ctx context.Context, s store.Org) (Org, error) {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return Org{}, err
	}
	var o Org
	for _, n := range nodes {
		if n.Kind == "account" {
			o.Accounts = append(o.Accounts, n.ID)
		}
	}
	adm, err := s.Admin(ctx)
	if err != nil {
		return Org{}, err
	}
	o.AdminAccount, o.AdminSince = adm.Account, adm.Since
	return o, nil
}

// KeyHas reports whether stored scopes hold s (admin holds every scope).
func KeyHas(stored []string, s Scope) bool {
	return Principal{Scopes: KeyScopes(stored)}.Can(s)
}

// MaxFilterAccounts is how many accounts or OUs one insight query may name
// (as the DevOps Guru console allows).
const MaxFilterAccounts = 5

// AccountsUnder returns the accounts directly under the OUs (not those of
// nested OUs: those must be chosen themselves), in tree order. An unknown
// OU is an error naming it (wrapping store.ErrNotFound).
func AccountsUnder(ctx context.Context, s store.Org, ous []string) ([]string, error) {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{store.RootOU: true}
	for _, n := range nodes {
		if n.Kind == "ou" {
			known[n.ID] = true
		}
	}
	for _, ou := range ous {
		if !known[ou] {
			return nil, fmt.Errorf("no organisational unit %q (see tend org list): %w", ou, store.ErrNotFound)
		}
	}
	var out []string
	for _, n := range nodes {
		if n.Kind == "account" && slices.Contains(ous, n.Parent) {
			out = append(out, n.ID)
		}
	}
	return out, nil
}
