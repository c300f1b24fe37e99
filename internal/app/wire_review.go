package app

import (
	"context"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/review"
)

func init() { builders = append(builders, buildReview) }

// buildReview serves POST /v1/reviews and the review gate from the review.*
// settings. The review service runs nothing in the background.
func buildReview(_ context.Context, a *App) error {
	c := a.cfg.Review
	svc := review.NewService(review.ServiceOptions{
		Store:            a.store.Reviews(),
		Logger:           a.log.With("component", "review"),
		Now:              a.now,
		Repositories:     c.RepositoryRoots(),
		MaxUnpackedBytes: c.MaxUnpackedBytes,
	})
	api.RegisterReviews(a.api, svc, a.store.Reviews())
	return nil
}

// ReviewGate is what a rollout asks whether the latest review of a product
// blocks it (block_on_review: high).
func (a *App) ReviewGate() review.Gate { return review.StoreGate{Reviews: a.store.Reviews()} }
