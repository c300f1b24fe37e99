package store

import (
	"context"
	"time"
)

// Param is an operator-maintained parameter, e.g. the ordered list of
// approved instance types.
type Param struct {
	Name      string
	Value     string
	Version   int
	UpdatedAt time.Time
}

// Params stores parameters.
type Params interface {
	// Set creates or replaces a parameter, incrementing its version.
	Set(ctx context.Context, name, value string, at time.Time) (Param, error)
	// Get returns a parameter; ErrNotFound if none.
	Get(ctx context.Context, name string) (Param, error)
	// List returns every parameter by name.
	List(ctx context.Context) ([]Param, error)
}
