package store

import (
	"context"
	"time"
)

// CatalogVersion is one version of a product in tend's embedded catalog.
type CatalogVersion struct {
	Product        string
	Number         int
	Description    string
	Format         string
	Template       []byte
	Active         bool
	IdempotencyKey string
	CreatedAt      time.Time
	// Notify holds messages written into the outbox with the version
	// when Publish creates it (a rollback's RUN_ROLLED_BACK).
	Notify []Notification
}

// CatalogProduct summarises a product.
type CatalogProduct struct {
	Name      string
	Latest    int
	Versions  int
	UpdatedAt time.Time
}

// Catalog stores the embedded catalog's versioned products.
type Catalog interface {
	// Publish stores v as the product's next version (Number is assigned)
	// and returns it. When IdempotencyKey is set and a version of the
	// product was published with it, that version is returned with
	// created=false and nothing changes. deprecatePrevious marks the
	// version before it inactive. When then is not nil it is called inside
	// the transaction with the version stored or found, and the run record
	// it returns (if any) commits with it; an error storing that record
	// (ErrConflict: the lease is lost or the run cancelled) rolls back the
	// publish. then may be called more than once if the transaction is
	// retried.
	Publish(ctx context.Context, v CatalogVersion, deprecatePrevious bool, then func(CatalogVersion) *RunRecord) (CatalogVersion, bool, error)
	// Version returns one version; ErrNotFound if none.
	Version(ctx context.Context, product string, number int) (CatalogVersion, error)
	// Latest returns the highest-numbered active version; ErrNotFound if none.
	Latest(ctx context.Context, product string) (CatalogVersion, error)
	// Versions lists a product's versions, oldest first; ErrNotFound if the
	// product has none.
	Versions(ctx context.Context, product string) ([]CatalogVersion, error)
	// Products lists the products by name.
	Products(ctx context.Context) ([]CatalogProduct, error)
}
