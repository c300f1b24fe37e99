package devopsguru

import (
	"context"

	"github.com/tendhq/tend/internal/store"
)

// CanOpen reports whether k finds an active key id and opens its secret.
func CanOpen(ctx context.Context, k *Keys, id string) bool {
	_, _, err := k.lookup(ctx, id)
	return err == nil
}

var testInsight = store.Insight{ID: "x", BoundaryKind: "app", BoundaryName: "v", BoundaryTagKey: "devops-guru-app"}
