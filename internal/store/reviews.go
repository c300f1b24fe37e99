package store

import (
	"context"
	"time"
)

// Review is the stored result of one security review (tend review) of a
// product's code: an event on the product, which a rollout gate reads.
type Review struct {
	ID        string    `json:"id"`
	Product   string    `json:"product"`
	Version   int       `json:"version,omitempty"` // catalog version reviewed; 0 when not given
	Source    string    `json:"source"`            // "tarball" or "git"
	Ref       string    `json:"ref,omitempty"`     // git ref, or the tarball's SHA-256
	CreatedAt time.Time `json:"created_at"`
	Files     int       `json:"files"`
	Lines     int       `json:"lines"`
	// Findings at each severity.
	Critical, High, Medium, Low, Note int
	// Report is the full report as JSON (review.Report).
	Report []byte `json:"-"`
}

// Reviews stores reviews.
type Reviews interface {
	// Add stores a review; ErrConflict if its ID exists.
	Add(ctx context.Context, r Review) error
	// Get returns a review with its report; ErrNotFound if none.
	Get(ctx context.Context, id string) (Review, error)
	// Latest returns the product's newest review (by CreatedAt, then ID)
	// with its report; ErrNotFound if it has none.
	Latest(ctx context.Context, product string) (Review, error)
	// List returns up to limit reviews of the product (every product when
	// empty), newest first, without their reports.
	List(ctx context.Context, product string, limit int) ([]Review, error)
}
