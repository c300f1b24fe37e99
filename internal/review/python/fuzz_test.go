//go:build cgo

package python

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/taint"
)

// FuzzParse feeds arbitrary source through the front end and the analysis:
// neither may panic, whatever tree-sitter recovers from.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"def f(x):\n    return x\n",
		"from flask import request\nimport os\nos.system(request.args['a'])\n",
		"x = f'{a!r:>{w}}' if b else [c for c in d if c]\nmatch x:\n    case [1, *r] | {'k': v}: pass\n",
		"class A(B, metaclass=M):\n    @d\n    def m(self, *a, k=1, **kw): yield from a\n",
		"try:\n  pass\nexcept* E as e:\n  raise\nfinally:\n  del x\n",
		"lambda: (yield)\n)(\n\tdef\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse(context.Background(), "f.py", "f", src)
		if err != nil {
			return
		}
		if _, err := taint.NewProject([]*ir.Module{m}).Analyze(context.Background(), taint.Options{Budget: 2000}); err != nil {
			t.Fatal(err)
		}
	})
}
