//go:build cgo

package java

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tendhq/tend/internal/review/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestLowering pins the IR the front end makes of testdata/*.java.
func TestLowering(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.java")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(context.Background(), filepath.Base(f), src)
			if err != nil {
				t.Fatal(err)
			}
			if m.Errors != 0 {
				t.Errorf("%d syntax errors", m.Errors)
			}
			var buf bytes.Buffer
			if err := ir.Fprint(&buf, m); err != nil {
				t.Fatal(err)
			}
			golden := f + ".golden"
			if *update {
				os.WriteFile(golden, buf.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("IR differs from %s:\n%s", golden, buf.String())
			}
		})
	}
}
