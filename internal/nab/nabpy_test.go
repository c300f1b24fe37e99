package nab

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nabPython returns NAB's own Python package (../shared/nab/official) and a
// python3 that can run it, or skips the test when either is missing.
func nabPython(t *testing.T) (dir, python string) {
	t.Helper()
	for _, d := range []string{os.Getenv("TEND_NAB_OFFICIAL"), filepath.Join("..", "..", "..", "shared", "nab", "official"), "/work/shared/nab/official"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "run.py")); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skip("NAB's Python scorer not found (set TEND_NAB_OFFICIAL)")
	}
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import pandas, simplejson").Run(); err == nil {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			return abs, p
		}
	}
	t.Skip("python3 with pandas and simplejson not installed (apt-get install python3-pandas python3-simplejson)")
	return "", ""
}

// scoreWithNABPython runs NAB's run.py on corpus (data/, labels/, config/)
// for the results of detector det under resultsDir/det, with the null
// detector run by NAB itself, and returns the normalised score and the
// optimised threshold per profile.
func scoreWithNABPython(t *testing.T, corpus, resultsDir, det string) (score, threshold map[string]float64) {
	t.Helper()
	official, python := nabPython(t)
	thresholds := filepath.Join(t.TempDir(), "thresholds.json")
	run := func(args ...string) {
		base := []string{filepath.Join(official, "run.py"), "--skipConfirmation", "--numCPUs", "1",
			"--dataDir", filepath.Join(corpus, "data"), "--resultsDir", resultsDir,
			"--windowsFile", filepath.Join(corpus, "labels", "combined_windows.json"),
			"--profilesFile", filepath.Join(corpus, "config", "profiles.json"),
			"--thresholdsFile", thresholds}
		cmd := exec.Command(python, append(base, args...)...)
		cmd.Dir = official
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("NAB's run.py %v: %v\n%s", args, err, out)
		}
	}
	run("-d", "null", "--detect")
	run("-d", "null,"+det, "--optimize", "--score", "--normalize")
	var final map[string]map[string]float64
	readJSON(t, filepath.Join(resultsDir, "final_results.json"), &final)
	var thr map[string]map[string]struct{ Threshold float64 }
	readJSON(t, thresholds, &thr)
	threshold = map[string]float64{}
	for p, v := range thr[det] {
		threshold[p] = v.Threshold
	}
	return final[det], threshold
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// edgeFile is one data file of the cross-check corpus.
type edgeFile struct {
	name    string
	times   []time.Time
	windows [][2]int // rows
}

// edgeCorpus builds files with the cases where a scorer can drift from
// NAB's: windows wholly and partly inside the probationary period, the
// probationary period capped at 750 rows, repeated and backward timestamps
// away from window boundaries, irregular spacing, a file without windows, a
// file of a few rows, windows of two rows and adjacent windows.
func edgeCorpus() []edgeFile {
	t0 := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	regular := func(n int, step time.Duration) []time.Time {
		ts := make([]time.Time, n)
		for i := range ts {
			ts[i] = t0.Add(time.Duration(i) * step)
		}
		return ts
	}
	dups := regular(400, 5*time.Minute)
	for _, i := range []int{50, 51, 52, 120, 250, 251} {
		dups[i] = dups[i-1] // repeated timestamps
	}
	back := regular(300, time.Minute)
	back[200] = back[190] // a step back in time, and a repeat of row 190
	rng := rand.New(rand.NewPCG(7, 11))
	irregular := make([]time.Time, 500)
	at := t0
	for i := range irregular {
		irregular[i] = at
		at = at.Add(time.Duration(30+rng.IntN(600)) * time.Second)
	}
	return []edgeFile{
		// 168 hourly rows: probation 25 rows; one window inside it, one
		// across its end, one later
		{"week_hourly", regular(168, time.Hour), [][2]int{{3, 12}, {20, 30}, {100, 115}}},
		// every window inside the probationary period
		{"all_in_probation", regular(200, time.Hour), [][2]int{{2, 8}, {12, 20}}},
		// 6,000 rows: probation capped at 750; a window inside the cap
		{"long", regular(6000, time.Minute), [][2]int{{600, 700}, {2000, 2300}, {5000, 5400}}},
		{"duplicates", dups, [][2]int{{60, 80}, {200, 230}}},
		{"backwards", back, [][2]int{{100, 120}, {230, 260}}},
		{"irregular", irregular, [][2]int{{150, 170}, {171, 190}, {400, 401}}},
		{"no_windows", regular(300, 5*time.Minute), nil},
		{"tiny", regular(12, time.Hour), [][2]int{{5, 7}}},
	}
}

// writeEdgeCorpus lays the files out as a corpus under dir, with results of
// detector det: scores rounded to one decimal (many ties) from a seeded
// generator, higher inside and just before windows.
func writeEdgeCorpus(t *testing.T, dir, det string) {
	t.Helper()
	profiles, err := os.ReadFile(filepath.Join(testCorpus(t).Dir, "config", "profiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(p string, b []byte) {
		t.Helper()
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("config/profiles.json", profiles)
	labels := map[string][][2]string{}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range edgeCorpus() {
		key := "edge/" + f.name + ".csv"
		labels[key] = [][2]string{}
		inWin := make([]bool, len(f.times))
		for _, w := range f.windows {
			labels[key] = append(labels[key], [2]string{f.times[w[0]].Format(TimeLayout + ".000000"), f.times[w[1]].Format(TimeLayout + ".000000")})
			for i := max(0, w[0]-5); i <= w[1]; i++ {
				inWin[i] = true
			}
		}
		var data, res strings.Builder
		data.WriteString("timestamp,value\n")
		res.WriteString("timestamp,value,anomaly_score,label\n")
		for i, ts := range f.times {
			v := strconv.Itoa(rng.IntN(100))
			sc := rng.Float64() * 0.7
			if inWin[i] && rng.IntN(3) == 0 {
				sc += 0.3
			}
			sc = math.Round(sc*10) / 10
			fmt.Fprintf(&data, "%s,%s\n", ts.Format(TimeLayout), v)
			fmt.Fprintf(&res, "%s,%s,%g,0\n", ts.Format(TimeLayout), v, sc)
		}
		write("data/"+key, []byte(data.String()))
		write("results/"+det+"/edge/"+det+"_"+f.name+".csv", []byte(res.String()))
	}
	b, err := json.Marshal(labels)
	if err != nil {
		t.Fatal(err)
	}
	write("labels/combined_windows.json", b)
}

// TestScoreMatchesNABPython scores one set of results with NAB's own Python
// scorer and with this package, on a corpus made of the cases where they
// could differ, and wants the same threshold and score to 1e-6 in every
// profile. It runs when python3 with pandas is installed (CI installs it).
func TestScoreMatchesNABPython(t *testing.T) {
	nabPython(t)
	dir := t.TempDir()
	const det = "tendx"
	writeEdgeCorpus(t, dir, det)
	want, wantThr := scoreWithNABPython(t, dir, filepath.Join(dir, "results"), det)

	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.LoadResults(filepath.Join(dir, "results", det))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("NAB's scorer gave %v", want)
	}
	for _, p := range c.Profiles {
		ps, err := c.Optimize(s, p)
		if err != nil {
			t.Fatal(err)
		}
		if !near(ps.Score, want[p.Name], 1e-6) || ps.Threshold != wantThr[p.Name] {
			t.Errorf("%s: tend %.9f at t=%v, NAB's scorer %.9f at t=%v", p.Name, ps.Score, ps.Threshold, want[p.Name], wantThr[p.Name])
		}
		t.Logf("%s: %.9f at t=%v (scorable windows %d of %d)", p.Name, ps.Score, ps.Threshold, ps.Scorable, ps.Windows)
	}
}
