package hcl

import (
	"os"
	"regexp"
	"testing"
)

var docExampleRE = regexp.MustCompile("(?s)<!-- example (\\w+) logical-id=\"([^\"]*)\" type=\"([^\"]*)\" -->\\s*```\\w*\\n(.*?)```\\s*```\\w*\\n(.*?)```")

// TestDocExamples runs the Terraform before/after pairs in docs/templates.md.
func TestDocExamples(t *testing.T) {
	b, err := os.ReadFile("../../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range docExampleRE.FindAllStringSubmatch(string(b), -1) {
		if m[1] != "hcl" {
			continue
		}
		n++
		out, err := Editor{}.SetInstanceType([]byte(m[4]), m[2], m[3])
		if err != nil {
			t.Errorf("example %s → %s: %v", m[2], m[3], err)
			continue
		}
		if string(out) != m[5] {
			t.Errorf("example %s → %s: got\n%s\nwant\n%s", m[2], m[3], out, m[5])
		}
	}
	if n == 0 {
		t.Fatal("no hcl examples in docs/templates.md")
	}
}
