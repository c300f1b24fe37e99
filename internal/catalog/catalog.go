// Package catalog is tend's view of versioned infrastructure products: a
// product (what a team launches, e.g. "web-server") has numbered versions,
// each an infrastructure-as-code template. Self-healing edits the latest
// template and publishes it as a new version; the old one stays, so rolling
// back is publishing (or re-activating) an earlier one. Implementations: the
// embedded catalog in tend's store, a git repository, AWS Service Catalog.
// Editors (sub-packages) change a template in place, keeping everything else.
package catalog

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// ErrNotFound: no such product or version.
var ErrNotFound = errors.New("not found")

// Format is a template's language.
type Format string

// Template formats.
const (
	FormatCFNYAML Format = "cfn-yaml" // CloudFormation, YAML (short-form tags allowed)
	FormatCFNJSON Format = "cfn-json" // CloudFormation, JSON
	FormatHCL     Format = "hcl"      // Terraform .tf
)

// Version is one published version of a product.
type Version struct {
	Product string `json:"product"`
	// ID identifies the version in its catalog ("v3", or an AWS
	// provisioning artifact id such as "pa-abc123").
	ID string `json:"id"`
	// Number orders versions: 1, 2, 3 …
	Number      int    `json:"number"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Template    []byte `json:"-"`
	Format      Format `json:"format"`
	// Active is false for deprecated versions.
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// IdempotencyKey is the key it was published with, if any.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Publish asks for a new version.
type Publish struct {
	Template    []byte
	Format      Format
	Description string
	// IdempotencyKey makes Publish safe to retry: a second Publish with the
	// same key returns the version the first created, and creates nothing.
	IdempotencyKey string
	// DeprecatePrevious marks the version it supersedes inactive.
	DeprecatePrevious bool
	// Record, when set, is the caller's record of the publish (a run's act
	// step). A catalog that keeps its versions in tend's own store (the
	// embedded one) calls it inside the publishing transaction with the
	// version, and stores what it returns in the same commit, so there is
	// no moment at which the version exists and its record does not. Other
	// catalogs ignore it; the caller then records on its own. It may be
	// called more than once if the transaction is retried.
	Record func(Version) *store.RunRecord
	// Notify holds messages a catalog that keeps its versions in tend's
	// store writes into the outbox in the publishing transaction (a
	// rollback's RUN_ROLLED_BACK); other catalogs ignore it.
	Notify []store.Notification
}

// RunKey is the idempotency key a self-healing run publishes with.
func RunKey(runID string) string { return "tend-" + runID }

// RunOfKey returns the run a version's idempotency key names, if any.
func RunOfKey(key string) (string, bool) {
	id, ok := strings.CutPrefix(key, "tend-")
	return id, ok && id != ""
}

// Catalog is a store of versioned products.
//
// Contract: Latest returns the highest-numbered active version; Publish
// creates version Latest+1 (or returns the existing one for a repeated
// IdempotencyKey) and never changes or deletes earlier versions; every
// method returns an error wrapping ErrNotFound for an unknown product or
// version.
type Catalog interface {
	// Kind names the implementation ("embedded", "git", "servicecatalog").
	Kind() string
	Latest(ctx context.Context, product string) (Version, error)
	Version(ctx context.Context, product, id string) (Version, error)
	Versions(ctx context.Context, product string) ([]Version, error)
	Publish(ctx context.Context, product string, p Publish) (Version, error)
}

// Editor reads and changes the instance type a template launches.
//
// Contract: logicalID selects the resource when the template has several
// (the aws:cloudformation:logical-id tag of the instance, or a Terraform
// resource address); "" means the template's only instance-like resource and
// is an error when there are several. SetInstanceType changes only what it
// must — a literal, a parameter's Default (adding the type to AllowedValues
// when there is such a list), a mapping entry, a variable's default — and
// keeps everything else byte for byte where the format allows.
type Editor interface {
	InstanceType(tmpl []byte, logicalID string) (string, error)
	SetInstanceType(tmpl []byte, logicalID, newType string) ([]byte, error)
}
