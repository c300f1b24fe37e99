//go:build cgo

package java

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/taint"
)

// FuzzParse feeds arbitrary source through the front end and the analysis.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"class A { void f(String s) { System.out.println(s); } }",
		"class A { int f(java.util.Map<String,Integer> m) { return m.get(\"k\").intValue(); } }",
		"class A { void f() { for (int i = 0; i < 3; i++) { switch (i) { case 1 -> g(); default -> { h(); } } } } }",
		"public enum E { X, Y; void f() { try (var r = open()) { } catch (A | B e) { } finally { } } }",
		"class A { A() { this(1); } A(int x) { super(); } Object o = new Object() { }; }",
		"class { void (",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse(context.Background(), "A.java", src)
		if err != nil {
			return
		}
		if _, err := taint.NewProject([]*ir.Module{m}).Analyze(context.Background(), taint.Options{Budget: 2000}); err != nil {
			t.Fatal(err)
		}
	})
}
