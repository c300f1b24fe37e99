package rollout_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Each testdata/strategies/*.yaml is parsed; the normalised strategy (or
// the error) is pinned in the .golden beside it.
func TestParseStrategyGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/strategies/*.yaml")
	if len(files) == 0 {
		t.Fatal("no strategies")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			s, err := rollout.ParseStrategy(data)
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				b, _ := json.MarshalIndent(s, "", "  ")
				got = string(b) + "\n"
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func FuzzParseStrategy(f *testing.F) {
	files, _ := filepath.Glob("testdata/strategies/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := rollout.ParseStrategy(b)
		if err != nil {
			return
		}
		// Whatever is accepted is normalised and valid again, and plans.
		if s.MaxConcurrent < 1 || s.Bake <= 0 || s.AnalysisInterval <= 0 || s.AnalysisInterval > s.Bake || s.Gates.Compare.MinSamples < 3 {
			t.Fatalf("accepted an invalid strategy %+v", s)
		}
		again := s
		if err := again.Normalise(); err != nil {
			t.Fatalf("normalised strategy invalid: %v", err)
		}
		deps := []store.Deployment{{ID: "a", Type: "silo"}, {ID: "b", Type: "pool", Region: "r"}}
		waves, err := rollout.Plan(s, deps)
		if err == nil {
			n := 0
			for _, w := range waves {
				n += len(w.IDs)
			}
			if n != len(deps) {
				t.Fatalf("planned %d of %d deployments", n, len(deps))
			}
		}
	})
}

func TestPlan(t *testing.T) {
	var deps []store.Deployment
	for _, id := range []string{"p3", "s1", "p1", "p2", "s2", "p4"} {
		typ, region := "pool", "east"
		if id[0] == 's' {
			typ = "silo"
		}
		if id == "p3" || id == "p4" {
			region = "west"
		}
		deps = append(deps, store.Deployment{ID: id, Type: typ, Region: region, Tenants: []string{"t-" + id}})
	}
	for _, tc := range []struct {
		name string
		s    rollout.Strategy
		want string
	}{
		{"default", rollout.Strategy{}, "batch-1[p1] batch-2[p2] batch-3[p3] batch-4[p4] batch-5[s1] batch-6[s2]"},
		{"batches of 4", rollout.Strategy{MaxConcurrent: 4}, "batch-1[p1 p2 p3 p4] batch-2[s1 s2]"},
		{"canary", rollout.Strategy{Strategy: rollout.Canary}, "canary[p1] rest[p2 p3 p4 s1 s2]"},
		{"canary percent", rollout.Strategy{Strategy: rollout.Canary, Canary: &rollout.Selector{Percent: 40}}, "canary[p1 p2 p3] rest[p4 s1 s2]"},
		{"waves", rollout.Strategy{Strategy: rollout.Waves, Canary: &rollout.Selector{Regions: []string{"west"}, Count: 1},
			Waves: []rollout.Wave{{Name: "silo", Select: &rollout.Selector{Types: []string{"silo"}}}, {Name: "tenant", Select: &rollout.Selector{Tenants: []string{"t-p2"}}}, {Name: "rest"}}},
			"canary[p3] silo[s1 s2] tenant[p2] rest[p1 p4]"},
		{"left out", rollout.Strategy{Strategy: rollout.Waves, Waves: []rollout.Wave{{Name: "silo", Select: &rollout.Selector{Types: []string{"silo"}}}}},
			"error: waves: deployments p1, p2, p3, p4 are in no wave; add a last wave without select to take the rest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if err := s.Normalise(); err != nil {
				t.Fatal(err)
			}
			waves, err := rollout.Plan(s, deps)
			var got string
			if err != nil {
				got = "error: " + err.Error()
			} else {
				var parts []string
				for _, w := range waves {
					parts = append(parts, w.Name+"["+strings.Join(w.IDs, " ")+"]")
				}
				got = strings.Join(parts, " ")
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	s := rollout.Strategy{FailureTolerance: "25%"}
	if err := s.Normalise(); err != nil || s.Tolerated(8) != 2 || s.Bake != rollout.Duration(10*time.Minute) {
		t.Fatalf("tolerance %d, bake %s, %v", s.Tolerated(8), s.Bake, err)
	}
}

// The values are worked by hand from the textbook formula (ranks with
// ties averaged, tie-corrected variance, continuity correction), which
// SciPy's mannwhitneyu(alternative="greater", method="asymptotic") uses.
func TestMannWhitney(t *testing.T) {
	for _, tc := range []struct {
		x, y []float64
		u, p float64
	}{
		{[]float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 17, 0.0557},
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, 0, 0.9855},
		{[]float64{0, 0, 0, 0.05, 0, 0.1}, []float64{0, 0, 0, 0, 0, 0, 0, 0}, 32, 0.0561},
		{[]float64{1, 1, 1}, []float64{1, 1}, 3, 1},
	} {
		u, p := rollout.MannWhitney(tc.x, tc.y)
		if u != tc.u || p < tc.p-0.001 || p > tc.p+0.001 {
			t.Errorf("MannWhitney(%v, %v) = %g, %.4f; want %g, %.4f", tc.x, tc.y, u, p, tc.u, tc.p)
		}
	}
}
