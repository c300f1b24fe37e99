package postgres_test

import (
	"testing"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func TestFleetConformance(t *testing.T) {
	storetest.RunFleet(t, func(t testing.TB) store.Store { return storetest.OpenPostgres(t) })
}
