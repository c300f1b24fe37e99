// Package embedded is tend's built-in catalog: versioned infrastructure
// templates kept in tend's own store, so self-healing works on one machine
// with no cloud account. Versions are numbered v1, v2 …; publishing never
// changes or deletes an earlier version, and rolling back publishes an
// earlier template as a new version.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// Catalog is the embedded catalog.
type Catalog struct {
	st  store.Catalog
	now func() time.Time
}

var _ catalog.Catalog = (*Catalog)(nil)

// New returns the catalog over the store; now is the clock (time.Now if nil).
func New(st store.Catalog, now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{st: st, now: now}
}

// Kind is "embedded".
func (c *Catalog) Kind() string { return "embedded" }

// VersionID is the id of version n: "v3".
func VersionID(n int) string { return "v" + strconv.Itoa(n) }

// ParseVersion accepts "v3", "V3" or "3".
func ParseVersion(id string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(id), "v"), "V"))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version %q: want v1, v2 … or 1, 2 …", id)
	}
	return n, nil
}

func convert(v store.CatalogVersion) catalog.Version {
	return catalog.Version{
		Product: v.Product, ID: VersionID(v.Number), Number: v.Number, Name: VersionID(v.Number),
		Description: v.Description, Template: v.Template, Format: catalog.Format(v.Format),
		Active: v.Active, CreatedAt: v.CreatedAt, IdempotencyKey: v.IdempotencyKey,
	}
}

func wrap(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", catalog.ErrNotFound, err)
	}
	return err
}

func (c *Catalog) Latest(ctx context.Context, product string) (catalog.Version, error) {
	v, err := c.st.Latest(ctx, product)
	if err != nil {
		return catalog.Version{}, wrap(err)
	}
	return convert(v), nil
}

func (c *Catalog) Version(ctx context.Context, product, id string) (catalog.Version, error) {
	n, err := ParseVersion(id)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("%w: %w", catalog.ErrNotFound, err)
	}
	v, err := c.st.Version(ctx, product, n)
	if err != nil {
		return catalog.Version{}, wrap(err)
	}
	return convert(v), nil
}

func (c *Catalog) Versions(ctx context.Context, product string) ([]catalog.Version, error) {
	vs, err := c.st.Versions(ctx, product)
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]catalog.Version, len(vs))
	for i, v := range vs {
		out[i] = convert(v)
	}
	return out, nil
}

// Publish creates the product's next version (v1 for a new product).
func (c *Catalog) Publish(ctx context.Context, product string, p catalog.Publish) (catalog.Version, error) {
	if strings.TrimSpace(product) == "" {
		return catalog.Version{}, errors.New("publish: the product name is empty")
	}
	if len(p.Template) == 0 {
		return catalog.Version{}, fmt.Errorf("publish %s: the template is empty", product)
	}
	switch p.Format {
	case catalog.FormatCFNYAML, catalog.FormatCFNJSON, catalog.FormatHCL:
	default:
		return catalog.Version{}, fmt.Errorf("publish %s: unknown template format %q", product, p.Format)
	}
	var then func(store.CatalogVersion) *store.RunRecord
	if p.Record != nil {
		then = func(v store.CatalogVersion) *store.RunRecord { return p.Record(convert(v)) }
	}
	v, _, err := c.st.Publish(ctx, store.CatalogVersion{
		Product: product, Description: p.Description, Format: string(p.Format), Template: p.Template,
		IdempotencyKey: p.IdempotencyKey, CreatedAt: c.now().UTC(), Notify: p.Notify,
	}, p.DeprecatePrevious, then)
	if err != nil {
		return catalog.Version{}, err
	}
	return convert(v), nil
}

// Rollback publishes version id's template as a new version. Each later
// version a self-healing run published is undone: its RUN_ROLLED_BACK
// message commits with the new version.
func (c *Catalog) Rollback(ctx context.Context, product, id string) (catalog.Version, error) {
	old, err := c.Version(ctx, product, id)
	if err != nil {
		return catalog.Version{}, err
	}
	all, err := c.Versions(ctx, product)
	if err != nil {
		return catalog.Version{}, err
	}
	var notes []store.Notification
	for _, v := range all {
		if run, ok := catalog.RunOfKey(v.IdempotencyKey); ok && v.Number > old.Number {
			notes = append(notes, message.ForRollback(run, product, v.ID, old.ID, c.now()))
		}
	}
	return c.Publish(ctx, product, catalog.Publish{Template: old.Template, Format: old.Format,
		Description: "rollback to " + old.ID + " (" + old.Description + ")", Notify: notes})
}

// Products lists the products.
func (c *Catalog) Products(ctx context.Context) ([]store.CatalogProduct, error) {
	return c.st.Products(ctx)
}

// DetectFormat guesses a template's format from its file name and content:
// .tf is Terraform, JSON content is CloudFormation JSON, else YAML.
func DetectFormat(name string, data []byte) catalog.Format {
	switch {
	case strings.HasSuffix(name, ".tf"):
		return catalog.FormatHCL
	case strings.HasPrefix(strings.TrimSpace(string(data)), "{"):
		return catalog.FormatCFNJSON
	}
	return catalog.FormatCFNYAML
}
