package nab

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	corpusOnce sync.Once
	corpus     *Corpus
	corpusErr  error
)

// testCorpus loads the NAB corpus from $TEND_NAB_DIR or ../shared/nab beside
// the repository, skipping the test only when it is absent.
func testCorpus(t testing.TB) *Corpus {
	t.Helper()
	dir := FindDir(filepath.Join("..", "..", "..", "shared", "nab"), "/work/shared/nab")
	if dir == "" {
		t.Skip("NAB corpus not found (set TEND_NAB_DIR)")
	}
	corpusOnce.Do(func() { corpus, corpusErr = LoadCorpus(dir) })
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpus
}

var (
	kpiOnce sync.Once
	kpi     *Corpus
	kpiErr  error
)

// kpiCorpus loads ../shared/kpi beside the repository, or returns nil when
// it is absent.
func kpiCorpus(t testing.TB) *Corpus {
	t.Helper()
	dir := FindDir(filepath.Join("..", "..", "..", "shared", "kpi"), "/work/shared/kpi")
	if dir == "" || os.Getenv("TEND_NAB_DIR") != "" {
		return nil
	}
	kpiOnce.Do(func() { kpi, kpiErr = LoadCorpus(dir) })
	if kpiErr != nil {
		t.Fatal(kpiErr)
	}
	return kpi
}

var testProfiles = []Profile{
	{Name: "standard", TPWeight: 1, FNWeight: 1, FPWeight: 0.11, TNWeight: 1},
	{Name: "reward_low_FP_rate", TPWeight: 1, FNWeight: 1, FPWeight: 0.22, TNWeight: 1},
	{Name: "reward_low_FN_rate", TPWeight: 1, FNWeight: 2, FPWeight: 0.11, TNWeight: 1},
}

// vectorCorpus is SCORING.md §11's file: 100 rows 5 min apart, one window
// over rows 40..59.
func vectorCorpus() *Corpus {
	f := &File{Key: "x/y.csv", Category: "x", Name: "y", Windows: []Window{{40, 59}}, Probation: Probation(100)}
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		f.Times = append(f.Times, t0.Add(time.Duration(i)*5*time.Minute))
		f.Values = append(f.Values, 0)
	}
	return &Corpus{Files: []*File{f}, Profiles: testProfiles}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestScaledSigmoid(t *testing.T) {
	for _, tc := range []struct{ y, want float64 }{
		{-1, 0.9866142981514305}, {-0.5, 0.8482836399575131}, {0, 0}, {3, -0.9999993882}, {3.0001, -1}, {40.0 / 19, -0.9999463589234484}, {3.0 / 19, -0.3754366184127861},
	} {
		if got := scaledSigmoid(tc.y); !near(got, tc.want, 1e-10) {
			t.Errorf("S(%v) = %v, want %v", tc.y, got, tc.want)
		}
	}
}

func TestVectorsBinary(t *testing.T) {
	c := vectorCorpus()
	sc := make([]float64, 100)
	for _, i := range []int{10, 20, 45, 50, 62, 99} {
		sc[i] = 1
	}
	s := Scores{"x/y.csv": sc}
	want := map[string]float64{"standard": 0.7056969602930747, "reward_low_FN_rate": 0.7056969602930747, "reward_low_FP_rate": 0.4444048327860889}
	for _, p := range c.Profiles {
		ps, err := c.ScoreAt(s, p, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if !near(ps.Raw, want[p.Name], 1e-12) {
			t.Errorf("%s: raw %v, want %v", p.Name, ps.Raw, want[p.Name])
		}
		if got := ps.Counts; got.TP != 2 || got.TN != 62 || got.FP != 3 || got.FN != 18 || got.TP+got.TN+got.FP+got.FN != 85 {
			t.Errorf("%s: counts %+v, want TP 2 TN 62 FP 3 FN 18", p.Name, got)
		}
	}
}

func TestVectorsGradedSweep(t *testing.T) {
	c := vectorCorpus()
	sc := make([]float64, 100)
	for i, v := range map[int]float64{10: 0.99, 20: 0.9, 50: 0.8, 45: 0.7, 62: 0.6, 99: 0.6, 30: 0.3} {
		sc[i] = v
	}
	s := Scores{"x/y.csv": sc}
	std := testProfiles[0]
	for _, tc := range []struct{ t, raw float64 }{
		{1.1, -1.0}, {0.9, -1.11}, {0.8, 0.74979256691}, {0.7, 0.8569890878}, {0.6, 0.705696960293}, {0.3, 0.595696960293}, {0.0, -5.62434171958},
	} {
		ps, err := c.ScoreAt(s, std, tc.t)
		if err != nil {
			t.Fatal(err)
		}
		if !near(ps.Raw, tc.raw, 1e-9) {
			t.Errorf("t=%v: raw %v, want %v", tc.t, ps.Raw, tc.raw)
		}
	}
	ps, err := c.Optimize(s, std)
	if err != nil {
		t.Fatal(err)
	}
	if ps.Threshold != 0.7 || !near(ps.Raw, 0.8569890878, 1e-9) {
		t.Errorf("sweep chose t=%v raw=%v, want 0.7 and 0.8569890878", ps.Threshold, ps.Raw)
	}
}

func TestCorpusShape(t *testing.T) {
	c := testCorpus(t)
	rows, scorable, inWin := 0, 0, 0
	for _, f := range c.Files {
		rows += f.Len()
		scorable += f.Len() - f.Probation
		for _, w := range f.Windows {
			inWin += w.Width()
		}
	}
	if len(c.Files) != 58 || c.Windows() != 116 || rows != 365558 || scorable != 332842 || inWin != 33495 {
		t.Fatalf("corpus: %d files, %d windows, %d rows, %d scorable, %d in windows; want 58, 116, 365558, 332842, 33495",
			len(c.Files), c.Windows(), rows, scorable, inWin)
	}
}

// TestReferenceScores is the conformance test: NAB's published scores of
// two detectors, from their checked-in outputs at their published thresholds.
func TestReferenceScores(t *testing.T) {
	c := testCorpus(t)
	for _, tc := range []struct {
		det       string
		thr, want [3]float64
		raw       [3]float64
	}{
		{"numenta", [3]float64{0.5421876907348634, 0.5751955032348636, 0.5421876907348634},
			[3]float64{70.10105611943965, 63.11684160219828, 74.3202443095115},
			[3]float64{46.634450197, 30.431072517, 26.634450197}},
		{"ARTime", [3]float64{0.317486, 0.317585, 0.317486},
			[3]float64{74.85377223215792, 65.15400017974811, 80.36228493638114},
			[3]float64{57.660751579, 35.157280417, 47.660751579}},
	} {
		s, err := c.LoadResults(filepath.Join(c.Dir, "reference", tc.det))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range c.Profiles {
			ps, err := c.ScoreAt(s, p, tc.thr[i])
			if err != nil {
				t.Fatal(err)
			}
			if !near(ps.Score, tc.want[i], 1e-6) || !near(ps.Raw, tc.raw[i], 1e-6) {
				t.Errorf("%s %s: score %.10f raw %.10f, want %.10f raw %.10f", tc.det, p.Name, ps.Score, ps.Raw, tc.want[i], tc.raw[i])
			}
		}
	}
}

// TestReferenceSweep checks the sweep never does worse than the published
// thresholds and finds the higher numenta low-FP score SCORING.md §9 names.
func TestReferenceSweep(t *testing.T) {
	c := testCorpus(t)
	s, err := c.LoadResults(filepath.Join(c.Dir, "reference", "numenta"))
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{70.10, 63.21, 74.32}
	for i, p := range c.Profiles {
		ps, err := c.Optimize(s, p)
		if err != nil {
			t.Fatal(err)
		}
		if math.Round(ps.Score*100)/100 != want[i] {
			t.Errorf("numenta %s sweep: %.4f at t=%v, want %.2f", p.Name, ps.Score, ps.Threshold, want[i])
		}
	}
}

func TestNullAndPerfect(t *testing.T) {
	c := testCorpus(t)
	null, perfect := Scores{}, Scores{}
	for _, f := range c.Files {
		n := make([]float64, f.Len())
		p := make([]float64, f.Len())
		for i := range n {
			n[i] = 0.5
		}
		for _, w := range f.Windows {
			p[w.Start] = 1
		}
		null[f.Key], perfect[f.Key] = n, p
	}
	for _, p := range c.Profiles {
		ps, err := c.ScoreAt(null, p, 0.625)
		if err != nil {
			t.Fatal(err)
		}
		if ps.Score != 0 || ps.Raw != -116*p.FNWeight {
			t.Errorf("null %s: %v (raw %v), want 0", p.Name, ps.Score, ps.Raw)
		}
		for _, opt := range []bool{false, true} {
			var ps ProfileScore
			if opt {
				ps, err = c.Optimize(perfect, p)
			} else {
				ps, err = c.ScoreAt(perfect, p, 0.5)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(ps.Score, 100, 1e-9) || ps.Detected != 116 || ps.FP != 0 {
				t.Errorf("perfect %s (optimised %v): %v, %+v; want 100", p.Name, opt, ps.Score, ps.Counts)
			}
		}
		ps, err = c.Optimize(null, p)
		if err != nil {
			t.Fatal(err)
		}
		if ps.Score != 0 {
			t.Errorf("null %s optimised: %v at %v, want 0", p.Name, ps.Score, ps.Threshold)
		}
	}
}
