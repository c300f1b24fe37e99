// Package fleet is tend's deployment database: the tenant deployments of
// each product — silo (one tenant) or pool (many) — in an account and
// region, at a provider (a CloudFormation stack, a local process). Adding
// one stores it PENDING and returns; a worker pool provisions many at once
// from the product's released catalog version (PENDING → PROVISIONING →
// ACTIVE or FAILED, with the error). Rollouts (package rollout) move
// deployments between versions through Deploy. Removing a deployment never
// deletes its resources unless asked to.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/store"
)

// Provider creates, updates and removes a deployment's resources.
//
// Contract: Apply makes the deployment run version v of its product —
// creating its resources the first time, updating them after — and
// returns once it does (or failed), with what the provider wants
// recorded (stack id, endpoint). It is idempotent: applying the version a
// deployment runs again changes nothing, so a retried or resumed Apply is
// safe. Remove releases the deployment: with deleteResources it deletes
// what Apply created; without, it leaves the resources (and their data)
// in place and only stops managing them. Both honour ctx.
type Provider interface {
	Apply(ctx context.Context, d store.Deployment, v catalog.Version) (outputs map[string]string, err error)
	Remove(ctx context.Context, d store.Deployment, deleteResources bool) error
}

// Restorer is implemented by providers whose resources live in tend's own
// process (the local process provider): after a restart, Restore brings an
// ACTIVE deployment back at the version it runs, and returns its new
// outputs (a new pid and endpoint), which the engine records.
type Restorer interface {
	Restore(ctx context.Context, d store.Deployment, v catalog.Version) (outputs map[string]string, err error)
}

// Spec is what `tend deployments add` and POST /v1/deployments give.
type Spec struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Account  string   `json:"account"`
	Region   string   `json:"region"`
	Product  string   `json:"product"`
	Provider string   `json:"provider,omitempty"`
	Tenants  []string `json:"tenants,omitempty"`
}

// FieldError is a Spec field that is wrong, and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$`)
)

// Validate checks a spec against the providers known; it returns a
// *FieldError naming the first wrong field.
func (s *Spec) Validate(providers map[string]Provider) error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case !idPattern.MatchString(s.ID):
		return bad("id", "must be 1–63 of a-z, 0-9 and '-', starting with a letter or digit (got %q)", s.ID)
	case s.Type != store.DeploymentSilo && s.Type != store.DeploymentPool:
		return bad("type", "must be silo or pool (got %q)", s.Type)
	case !namePattern.MatchString(s.Account):
		return bad("account", "must be 1–64 of A-Z a-z 0-9 . _ - (an AWS account id, or a name for local deployments) (got %q)", s.Account)
	case !namePattern.MatchString(s.Region):
		return bad("region", "must be 1–64 of A-Z a-z 0-9 . _ - (got %q)", s.Region)
	case !namePattern.MatchString(s.Product):
		return bad("product", "must name a catalog product (got %q)", s.Product)
	}
	if s.Provider == "" {
		s.Provider = "process"
	}
	if _, ok := providers[s.Provider]; !ok {
		return bad("provider", "%q is not configured here (have %s)", s.Provider, strings.Join(providerNames(providers), ", "))
	}
	seen := map[string]bool{}
	for i, t := range s.Tenants {
		if !tenantPattern.MatchString(t) {
			return bad(fmt.Sprintf("tenants[%d]", i), "must be 1–128 of A-Z a-z 0-9 . _ @ - (got %q)", t)
		}
		if seen[t] {
			return bad(fmt.Sprintf("tenants[%d]", i), "%q is listed twice", t)
		}
		seen[t] = true
	}
	if s.Type == store.DeploymentSilo && len(s.Tenants) > 1 {
		return bad("tenants", "a silo deployment serves one tenant (got %d)", len(s.Tenants))
	}
	return nil
}

func providerNames(m map[string]Provider) []string {
	var out []string
	for _, k := range []string{"process", "cfn"} {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	for k := range m {
		if k != "process" && k != "cfn" {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// StackName is the name of a deployment's resources at its provider and
// the boundary its metrics and insights carry: tend-<product>-<id>, cut
// to CloudFormation's 128 characters.
func StackName(product, id string) string {
	var b strings.Builder
	for _, r := range "tend-" + product + "-" + id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

// FindVersion returns version number n of a product from a catalog.
func FindVersion(ctx context.Context, cat catalog.Catalog, product string, n int) (catalog.Version, error) {
	vs, err := cat.Versions(ctx, product)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("versions of %s: %w", product, err)
	}
	for _, v := range vs {
		if v.Number == n {
			return v, nil
		}
	}
	return catalog.Version{}, fmt.Errorf("product %s has no version %d: %w", product, n, catalog.ErrNotFound)
}

// ReleasedVersion is the version new deployments of a product get: the
// version of its last rollout that succeeded, or — before any — the
// catalog's latest.
func ReleasedVersion(ctx context.Context, st store.Rollouts, cat catalog.Catalog, product string) (int, error) {
	done, err := st.List(ctx, store.RolloutFilter{Product: product, State: store.RolloutSucceeded, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(done) > 0 {
		return done[0].Version, nil
	}
	v, err := cat.Latest(ctx, product)
	if err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return 0, &FieldError{Field: "product", Reason: fmt.Sprintf("%q has no version in the catalog (add one with tend catalog add)", product)}
		}
		return 0, fmt.Errorf("latest version of %s: %w", product, err)
	}
	return v.Number, nil
}
