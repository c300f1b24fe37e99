package policy

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/problem"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestInvalidGolden(t *testing.T) {
	_, err := LoadDir("testdata/invalid")
	if err == nil {
		t.Fatal("invalid policies loaded")
	}
	got := err.Error() + "\n"
	path := filepath.Join("testdata", "invalid.golden")
	if *update {
		_ = os.WriteFile(path, []byte(got), 0o644)
	}
	want, _ := os.ReadFile(path)
	if got != string(want) {
		t.Fatalf("errors differ from %s:\n%s", path, got)
	}
}

// TestDocExamples loads every policy example in docs/policies.md.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	n := 0
	for i, b := range blocks {
		if !strings.HasPrefix(b[1], "name:") {
			continue
		}
		n++
		ps, errs := Parse("docs/policies.md example "+string(rune('1'+i)), []byte(b[1]))
		if len(errs) > 0 {
			t.Errorf("example %d: %v", i+1, errs)
			continue
		}
		if len(ps) != 1 || ps[0].Name == "" {
			t.Errorf("example %d: %d policies", i+1, len(ps))
		}
	}
	if n < 4 {
		t.Fatalf("found %d examples, want at least 4", n)
	}
}

func TestDefaults(t *testing.T) {
	ps, errs := Parse("p.yaml", []byte("name: p\nact:\n  action: upsize-instance\n  params:\n    approved_types_param: /x\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	p := ps[0]
	if p.Mode != ModeAuto || p.Qualify.Occurrences != 1 || p.Qualify.Within != time.Hour || !p.Match.State.Has("OPEN") ||
		p.Act.Params.ProductTag != "tend-product" || len(p.Act.Params.ProductFrom) != 3 {
		t.Fatalf("defaults = %+v", p)
	}
}

func TestEvaluate(t *testing.T) {
	m := Match{Source: List{"dynatrace"}, EventType: List{"CPU_SATURATION"}, State: List{"OPEN"}, EntityType: List{"HOST"}, Tags: map[string]string{"env": "prod", "team": ""}}
	host := problem.Entity{ID: "HOST-1", Type: "HOST", Tags: map[string]string{"env": "prod", "team": "a"}}
	base := problem.Problem{Source: "dynatrace", ExternalID: "1", State: "OPEN", EventType: "cpu_saturation", Entities: []problem.Entity{host}}
	for _, tc := range []struct {
		name    string
		edit    func(p *problem.Problem)
		partial bool
		ok      bool
		reason  string
	}{
		{"matches", func(*problem.Problem) {}, false, true, ""},
		{"other source", func(p *problem.Problem) { p.Source = "api" }, false, false, "source api"},
		{"resolved", func(p *problem.Problem) { p.State = "RESOLVED" }, false, false, "state RESOLVED"},
		{"other event", func(p *problem.Problem) { p.EventType = "MEMORY_SATURATION" }, false, false, "event type MEMORY_SATURATION"},
		{"no event, full", func(p *problem.Problem) { p.EventType = "" }, false, false, "event type (none)"},
		{"no event, partial", func(p *problem.Problem) { p.EventType = "" }, true, true, ""},
		{"no entities, partial", func(p *problem.Problem) { p.Entities = nil; p.EventType = "" }, true, true, ""},
		{"wrong tag", func(p *problem.Problem) {
			p.Entities = []problem.Entity{{ID: "H", Type: "HOST", Tags: map[string]string{"env": "dev", "team": ""}}}
		}, false, false, "tag env"},
		{"missing tag", func(p *problem.Problem) {
			p.Entities = []problem.Entity{{ID: "H", Type: "HOST", Tags: map[string]string{"env": "prod"}}}
		}, false, false, "tag team is missing"},
		{"tag on problem", func(p *problem.Problem) {
			p.Entities = []problem.Entity{{ID: "H", Type: "HOST"}}
			p.Tags = map[string]string{"env": "PROD", "team": "x"}
		}, false, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.edit(&p)
			r := m.Evaluate(p, tc.partial)
			if r.OK != tc.ok || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("Evaluate = %+v, want ok=%v reason~%q", r, tc.ok, tc.reason)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"bad_values.yaml", "unknown_key.yaml", "multi.yaml"} {
		b, _ := os.ReadFile(filepath.Join("testdata", "invalid", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, errs := Parse("f.yaml", data)
		if len(errs) == 0 {
			for _, p := range ps {
				if len(p.validate()) > 0 {
					t.Fatalf("accepted an invalid policy: %+v", p)
				}
			}
		}
	})
}
