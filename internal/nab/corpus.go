// Package nab runs streaming detectors over the Numenta Anomaly Benchmark
// (NAB v1.1) corpus and scores their output with NAB's rules: windowed,
// time-weighted rewards, three cost profiles, one corpus-wide threshold found
// by NAB's sweep, and null = 0 / perfect = 100 normalisation. The rules are
// those of the corpus's SCORING.md; the conformance tests reproduce NAB's
// published scores for the reference detectors to 1e-6.
package nab

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one data file of the corpus with its ground truth.
type File struct {
	// Key is the path relative to data/, with "/" ("realKnownCause/nyc_taxi.csv").
	Key string
	// Category is the directory ("realKnownCause"); Name the base name
	// without ".csv" ("nyc_taxi").
	Category, Name string
	Series
	// Windows are the labelled anomaly windows as inclusive row ranges,
	// sorted and non-overlapping.
	Windows []Window
	// Probation is the number of leading rows that are never scored.
	Probation int
}

// Window is an inclusive range of row indexes [Start, End].
type Window struct{ Start, End int }

// Width returns the number of rows in the window.
func (w Window) Width() int { return w.End - w.Start + 1 }

// Corpus is a loaded NAB corpus: data, windows and cost profiles.
type Corpus struct {
	Dir      string
	Files    []*File // sorted by Key
	Profiles []Profile
}

// Windows returns the number of labelled windows in the corpus.
func (c *Corpus) Windows() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Windows)
	}
	return n
}

// Probation returns NAB's probationary period for a file of n rows:
// min(floor(0.15·n), 750).
func Probation(n int) int {
	p := math.Floor(0.15 * float64(n))
	if p > 750 {
		return 750
	}
	return int(p)
}

// LoadCorpus reads dir/data/*/*.csv, dir/labels/combined_windows.json and
// dir/config/profiles.json. Every data file must have an entry in the
// windows file and every window boundary must be a timestamp of its file.
func LoadCorpus(dir string) (*Corpus, error) {
	return loadCorpus(dir, "combined_windows.json")
}

// LoadCorpusLabels is LoadCorpus with another windows file under
// dir/labels (for example "combined_windows_tiny.json"); only the data files
// it names are loaded.
func LoadCorpusLabels(dir, windowsFile string) (*Corpus, error) {
	return loadCorpus(dir, windowsFile)
}

func loadCorpus(dir, windowsFile string) (*Corpus, error) {
	profiles, err := LoadProfiles(filepath.Join(dir, "config", "profiles.json"))
	if err != nil {
		return nil, err
	}
	wpath := filepath.Join(dir, "labels", windowsFile)
	raw, err := readLimited(wpath)
	if err != nil {
		return nil, fmt.Errorf("read windows: %w", err)
	}
	var labels map[string][][2]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, fmt.Errorf("parse %s: %w", wpath, err)
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c := &Corpus{Dir: dir, Profiles: profiles}
	for _, key := range keys {
		f, err := loadFile(filepath.Join(dir, "data"), key, labels[key])
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, f)
	}
	if len(c.Files) == 0 {
		return nil, fmt.Errorf("%s lists no data files", wpath)
	}
	return c, nil
}

func loadFile(dataDir, key string, spans [][2]string) (*File, error) {
	clean := path.Clean(key)
	if clean != key || strings.HasPrefix(key, "/") || strings.HasPrefix(key, "..") || strings.Count(key, "/") != 1 || !strings.HasSuffix(key, ".csv") {
		return nil, fmt.Errorf("windows key %q: want \"<category>/<name>.csv\"", key)
	}
	fh, err := os.Open(filepath.Join(dataDir, filepath.FromSlash(key)))
	if err != nil {
		return nil, fmt.Errorf("open data file %s: %w", key, err)
	}
	defer fh.Close()
	s, err := ReadSeries(fh)
	if err != nil {
		return nil, fmt.Errorf("read data file %s: %w", key, err)
	}
	cat, name, _ := strings.Cut(strings.TrimSuffix(key, ".csv"), "/")
	f := &File{Key: key, Category: cat, Name: name, Series: *s, Probation: Probation(s.Len())}
	// first row of each timestamp, and how often it occurs: NAB's labeller
	// refuses a window boundary that is not in the file exactly once
	first := make(map[int64]int, s.Len())
	seen := make(map[int64]int, s.Len())
	for i := len(s.Times) - 1; i >= 0; i-- {
		k := s.Times[i].UnixNano()
		first[k] = i
		seen[k]++
	}
	for _, sp := range spans {
		var idx [2]int
		for j, ts := range sp {
			t, err := time.Parse(TimeLayout, ts)
			if err != nil {
				return nil, fmt.Errorf("window of %s: timestamp %q: %w", key, ts, err)
			}
			i, ok := first[t.UnixNano()]
			if !ok {
				return nil, fmt.Errorf("window of %s: timestamp %q is not in the data", key, ts)
			}
			if n := seen[t.UnixNano()]; n > 1 {
				return nil, fmt.Errorf("window of %s: timestamp %q is in the data %d times; a window boundary must be a row of its own (NAB's labeller requires it once)", key, ts, n)
			}
			idx[j] = i
		}
		w := Window{idx[0], idx[1]}
		if w.End < w.Start {
			return nil, fmt.Errorf("window of %s: end %q before start %q", key, sp[1], sp[0])
		}
		if n := len(f.Windows); n > 0 && w.Start <= f.Windows[n-1].End {
			return nil, fmt.Errorf("window of %s: %q overlaps or precedes the previous window", key, sp[0])
		}
		f.Windows = append(f.Windows, w)
	}
	return f, nil
}

// Profile is one NAB cost matrix.
type Profile struct {
	Name               string
	TPWeight, FNWeight float64
	FPWeight, TNWeight float64
}

// ProfileNames are NAB's three profiles in their customary order.
var ProfileNames = []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"}

// LoadProfiles reads NAB's config/profiles.json.
func LoadProfiles(file string) ([]Profile, error) {
	raw, err := readLimited(file)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	var m map[string]struct {
		CostMatrix struct {
			TP *float64 `json:"tpWeight"`
			FN *float64 `json:"fnWeight"`
			FP *float64 `json:"fpWeight"`
			TN *float64 `json:"tnWeight"`
		}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	var out []Profile
	for _, name := range ProfileNames {
		cm, ok := m[name]
		if !ok {
			return nil, fmt.Errorf("%s: profile %q missing", file, name)
		}
		c := cm.CostMatrix
		if c.TP == nil || c.FN == nil || c.FP == nil {
			return nil, fmt.Errorf("%s: profile %q: CostMatrix needs tpWeight, fnWeight and fpWeight", file, name)
		}
		p := Profile{Name: name, TPWeight: *c.TP, FNWeight: *c.FN, FPWeight: *c.FP}
		if c.TN != nil {
			p.TNWeight = *c.TN
		}
		out = append(out, p)
	}
	return out, nil
}

// Profile returns the profile called name.
func (c *Corpus) Profile(name string) (Profile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// FindDir returns the NAB corpus directory: $TEND_NAB_DIR if set, otherwise
// the first of candidates that holds labels/combined_windows.json. It returns
// "" when none does.
func FindDir(candidates ...string) string {
	if d := os.Getenv("TEND_NAB_DIR"); d != "" {
		return d
	}
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, "labels", "combined_windows.json")); err == nil {
			return d
		}
	}
	return ""
}

// maxJSON bounds the size of a labels or profiles file (NAB's are 20 KiB).
const maxJSON = 64 << 20

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJSON+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxJSON {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxJSON)
	}
	return b, nil
}
