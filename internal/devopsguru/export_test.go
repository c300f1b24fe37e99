package devopsguru

import "context"

// CanOpen reports whether k finds an active key id and opens its secret.
func CanOpen(ctx context.Context, k *Keys, id string) bool {
	_, _, err := k.lookup(ctx, id)
	return err == nil
}
