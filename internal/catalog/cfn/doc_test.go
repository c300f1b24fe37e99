package cfn

import (
	"os"
	"regexp"
	"testing"
)

// docExample is a before/after pair from docs/templates.md.
type docExample struct {
	kind, logicalID, newType, before, after string
}

var docExampleRE = regexp.MustCompile("(?s)<!-- example (\\w+) logical-id=\"([^\"]*)\" type=\"([^\"]*)\" -->\\s*```\\w*\\n(.*?)```\\s*```\\w*\\n(.*?)```")

func docExamples(t *testing.T, kind string) []docExample {
	t.Helper()
	b, err := os.ReadFile("../../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []docExample
	for _, m := range docExampleRE.FindAllStringSubmatch(string(b), -1) {
		if m[1] == kind {
			out = append(out, docExample{m[1], m[2], m[3], m[4], m[5]})
		}
	}
	return out
}

func TestDocExamples(t *testing.T) {
	exs := docExamples(t, "cfn")
	if len(exs) < 5 {
		t.Fatalf("found %d cfn examples in docs/templates.md", len(exs))
	}
	for _, ex := range exs {
		out, err := NewEditor("").SetInstanceType([]byte(ex.before), ex.logicalID, ex.newType)
		if err != nil {
			t.Errorf("example %s → %s: %v", ex.logicalID, ex.newType, err)
			continue
		}
		if string(out) != ex.after {
			t.Errorf("example %s → %s: got\n%s\nwant\n%s", ex.logicalID, ex.newType, out, ex.after)
		}
	}
}
