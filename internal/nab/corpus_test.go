package nab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCorpus lays out a minimal corpus in a temporary directory.
func writeCorpus(t *testing.T, windows, data, profiles string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range map[string]string{
		"labels/combined_windows.json": windows,
		"data/cat/f.csv":               data,
		"config/profiles.json":         profiles,
	} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodProfiles = `{"standard":{"CostMatrix":{"tpWeight":1,"fnWeight":1,"fpWeight":0.11,"tnWeight":1}},
"reward_low_FP_rate":{"CostMatrix":{"tpWeight":1,"fnWeight":1,"fpWeight":0.22,"tnWeight":1}},
"reward_low_FN_rate":{"CostMatrix":{"tpWeight":1,"fnWeight":2,"fpWeight":0.11,"tnWeight":1}}}`

const goodData = "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n2020-01-01 00:10:00,3\n2020-01-01 00:15:00,4\n"

func TestLoadCorpusErrors(t *testing.T) {
	for _, tc := range []struct {
		name, windows, data, profiles, want string
	}{
		{"ok", `{"cat/f.csv": [["2020-01-01 00:05:00.000000", "2020-01-01 00:10:00.000000"]]}`, goodData, goodProfiles, ""},
		{"missing boundary", `{"cat/f.csv": [["2020-01-01 00:06:00.000000", "2020-01-01 00:10:00.000000"]]}`, goodData, goodProfiles, "is not in the data"},
		{"reversed", `{"cat/f.csv": [["2020-01-01 00:10:00", "2020-01-01 00:05:00"]]}`, goodData, goodProfiles, "before start"},
		{"overlap", `{"cat/f.csv": [["2020-01-01 00:00:00", "2020-01-01 00:10:00"], ["2020-01-01 00:05:00", "2020-01-01 00:15:00"]]}`, goodData, goodProfiles, "overlaps"},
		{"escaping key", `{"../f.csv": []}`, goodData, goodProfiles, `want "<category>/<name>.csv"`},
		{"missing file", `{"cat/g.csv": []}`, goodData, goodProfiles, "open data file cat/g.csv"},
		{"bad data", `{"cat/f.csv": []}`, "timestamp,value\nx,1\n", goodProfiles, "line 2: timestamp"},
		{"bad json", `{`, goodData, goodProfiles, "parse"},
		{"empty", `{}`, goodData, goodProfiles, "lists no data files"},
		{"profile missing", `{"cat/f.csv": []}`, goodData, `{"standard":{"CostMatrix":{"tpWeight":1,"fnWeight":1,"fpWeight":0.11}}}`, "profile \"reward_low_FP_rate\" missing"},
		{"weight missing", `{"cat/f.csv": []}`, goodData, `{"standard":{"CostMatrix":{"tpWeight":1}},"reward_low_FP_rate":{},"reward_low_FN_rate":{}}`, "needs tpWeight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCorpus(writeCorpus(t, tc.windows, tc.data, tc.profiles))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if w := c.Files[0].Windows; len(w) != 1 || w[0] != (Window{1, 2}) {
					t.Fatalf("windows %v, want [{1 2}]", w)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadResultsLayouts(t *testing.T) {
	dir := writeCorpus(t, `{"cat/f.csv": [["2020-01-01 00:05:00", "2020-01-01 00:10:00"]]}`, goodData, goodProfiles)
	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	res := t.TempDir()
	os.MkdirAll(filepath.Join(res, "cat"), 0o755)
	write := func(name, body string) {
		os.WriteFile(filepath.Join(res, "cat", name), []byte(body), 0o644)
	}
	write("myDet_f.csv", "anomaly_score\n0\n1\n0\n0\n")
	s, err := c.LoadResults(res)
	if err != nil || s["cat/f.csv"][1] != 1 {
		t.Fatalf("NAB layout: %v %v", s, err)
	}
	write("other_f.csv", "anomaly_score\n0\n1\n0\n0\n")
	if _, err := c.LoadResults(res); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("two detectors: err = %v", err)
	}
	write("f.csv", "timestamp,value,anomaly_score,label\nx,1,0,0\nx,1,0,1\n")
	if _, err := c.LoadResults(res); err == nil || !strings.Contains(err.Error(), "2 rows, data file cat/f.csv has 4") {
		t.Fatalf("short file: err = %v", err)
	}
	if err := c.WriteResults(filepath.Join(res, "out"), Scores{"cat/f.csv": {0, 0.5, 1, 0}}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(res, "out", "cat", "f.csv"))
	want := "timestamp,value,anomaly_score,label\n2020-01-01 00:00:00,1,0,0\n2020-01-01 00:05:00,2,0.5,1\n2020-01-01 00:10:00,3,1,1\n2020-01-01 00:15:00,4,0,0\n"
	if string(got) != want {
		t.Fatalf("written:\n%s\nwant:\n%s", got, want)
	}
}
