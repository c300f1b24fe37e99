package app

import (
	"context"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/embed/vectors"
)

func init() { builders = append(builders, buildEmbeddings) }

// buildEmbeddings serves the vectors tend embed keeps in the store.
func buildEmbeddings(_ context.Context, a *App) error {
	api.RegisterEmbeddings(a.api, vectors.New(a.store), a.now)
	return nil
}
