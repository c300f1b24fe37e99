package nab

import (
	"path/filepath"
	"testing"
	"time"
)

func TestWiden(t *testing.T) {
	for _, tc := range []struct {
		name string
		runs [][2]int
		n    int
		want []Window
	}{
		{"none", nil, 100, nil},
		// L = int(0.1*1000/2) = 50, half 25
		{"two apart", [][2]int{{100, 100}, {500, 510}}, 1000, []Window{{75, 125}, {475, 535}}},
		{"clipped", [][2]int{{3, 4}, {995, 999}}, 1000, []Window{{0, 29}, {970, 999}}},
		{"merged", [][2]int{{100, 100}, {130, 140}}, 1000, []Window{{75, 165}}},
		// L = int(0.1*50/3) = 1, half 0: the runs themselves
		{"short", [][2]int{{10, 11}, {20, 20}, {30, 32}}, 50, []Window{{10, 11}, {20, 20}, {30, 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Widen(tc.runs, tc.n)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestWidenReproducesKPIWindows rebuilds ../shared/kpi's scored windows from
// its raw labels: Widen is the rule its converter applied.
func TestWidenReproducesKPIWindows(t *testing.T) {
	dir := FindDir(filepath.Join("..", "..", "..", "shared", "kpi"), "/work/shared/kpi")
	if dir == "" || filepath.Base(dir) != "kpi" {
		t.Skip("../shared/kpi not found")
	}
	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := c.LoadRuns()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Files {
		got := Widen(runs[f.Key], f.Len())
		if len(got) != len(f.Windows) {
			t.Fatalf("%s: %d windows, labels have %d", f.Key, len(got), len(f.Windows))
		}
		for i := range got {
			if got[i] != f.Windows[i] {
				t.Fatalf("%s window %d: %v, labels have %v", f.Key, i, got[i], f.Windows[i])
			}
		}
	}
}

func TestResampleAndSplit(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	f := &File{Key: "c/f.csv", Category: "c", Name: "f"}
	for i := 0; i < 600; i++ { // 10 hours of minutes
		f.Times = append(f.Times, t0.Add(time.Duration(i)*time.Minute))
		f.Values = append(f.Values, float64(i/60))
	}
	c := &Corpus{Files: []*File{f}, Profiles: testProfiles}
	runs := Runs{"c/f.csv": {{130, 135}, {140, 141}, {420, 430}}}
	r, rr := c.Resample(time.Hour, runs, "-1h")
	g := r.Files[0]
	if g.Key != "c-1h/f.csv" || g.Len() != 10 || g.Values[3] != 3 || !g.Times[3].Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("resampled: %s, %d rows, %v", g.Key, g.Len(), g.Values)
	}
	// rows 130–141 fall in hour 2 (one run), 420–430 in hour 7
	if got := rr[g.Key]; len(got) != 2 || got[0] != [2]int{2, 2} || got[1] != [2]int{7, 7} {
		t.Fatalf("resampled runs %v", got)
	}
	s, sr := c.Split(250, runs)
	if len(s.Files) != 2 || s.Files[0].Len() != 250 || s.Files[1].Len() != 350 || s.Files[1].Name != "f_1" {
		t.Fatalf("split into %d files", len(s.Files))
	}
	if got := sr["c/f_1.csv"]; len(got) != 1 || got[0] != [2]int{170, 180} || s.Files[1].Probation != 52 {
		t.Fatalf("second piece: runs %v, probation %d", got, s.Files[1].Probation)
	}
}
