//go:build !cgo

package python

import (
	"context"
	"errors"
	"fmt"

	"github.com/tendhq/tend/internal/review/ir"
)

// ErrNoCgo is returned by a tend built with CGO_ENABLED=0: the tree-sitter
// grammars are C, so this build cannot parse Python.
var ErrNoCgo = errors.New("tend was built without cgo (CGO_ENABLED=0): tend review needs the tree-sitter grammars, which are C; rebuild with CGO_ENABLED=1 and a C compiler")

// Parse reports ErrNoCgo.
func Parse(_ context.Context, path, _ string, _ []byte) (*ir.Module, error) {
	return nil, fmt.Errorf("parse %s: %w", path, ErrNoCgo)
}
