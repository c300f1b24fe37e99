package rollout

import "github.com/tendhq/tend/internal/store"

// SetFault makes e call f at every step; an error stops the rollout there
// as a crash would.
func SetFault(e *Engine, f func(store.Rollout, string) error) { e.fault = f }
