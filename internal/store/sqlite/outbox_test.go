package sqlite_test

import (
	"testing"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// Concurrent claimers on the embedded store take every delivery once.
func TestSharedOutbox(t *testing.T) {
	storetest.RunSharedOutbox(t, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) })
}
