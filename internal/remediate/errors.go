package remediate

import (
	"errors"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/store"
)

// ErrNotFound is what providers (Monitor, Inventory, Params) wrap when the
// thing asked for does not exist; the engine then stops with an explaining
// outcome instead of retrying.
var ErrNotFound = errors.New("not found")

// notFound reports whether err means "does not exist" for any provider.
func notFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, store.ErrNotFound) || errors.Is(err, catalog.ErrNotFound)
}

// errCrash is what a test fault returns to stop a run as a crash would.
var errCrash = errors.New("injected crash")
