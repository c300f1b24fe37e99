package nab

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// Runs are the labelled anomalies of each file before NAB widens them into
// windows: inclusive row ranges, sorted, keyed by File.Key.
type Runs map[string][][2]int

// LoadRuns reads the raw labels of c: labels/raw_windows.json (runs of
// labelled timestamps, as ../shared/kpi has) or, failing that,
// labels/combined_labels.json (NAB's anomaly timestamps, one run each).
func (c *Corpus) LoadRuns() (Runs, error) {
	var spans map[string][][2]string
	raw, err := readLimited(filepath.Join(c.Dir, "labels", "raw_windows.json"))
	if errors.Is(err, fs.ErrNotExist) {
		var points map[string][]string
		raw, err = readLimited(filepath.Join(c.Dir, "labels", "combined_labels.json"))
		if err != nil {
			return nil, fmt.Errorf("read raw labels (labels/raw_windows.json or labels/combined_labels.json): %w", err)
		}
		if err := json.Unmarshal(raw, &points); err != nil {
			return nil, fmt.Errorf("parse combined_labels.json: %w", err)
		}
		spans = map[string][][2]string{}
		for k, ps := range points {
			for _, p := range ps {
				spans[k] = append(spans[k], [2]string{p, p})
			}
		}
	} else if err != nil {
		return nil, fmt.Errorf("read raw labels: %w", err)
	} else if err := json.Unmarshal(raw, &spans); err != nil {
		return nil, fmt.Errorf("parse raw_windows.json: %w", err)
	}
	out := Runs{}
	for _, f := range c.Files {
		for _, sp := range spans[f.Key] {
			var r [2]int
			for j, ts := range sp {
				t, err := time.Parse(TimeLayout, ts)
				if err != nil {
					return nil, fmt.Errorf("raw label of %s: timestamp %q: %w", f.Key, ts, err)
				}
				// the first row at or after the label's time
				r[j] = sort.Search(f.Len(), func(i int) bool { return !f.Times[i].Before(t) })
			}
			if r[0] >= f.Len() {
				continue
			}
			r[1] = min(r[1], f.Len()-1)
			out[f.Key] = append(out[f.Key], r)
		}
		sort.Slice(out[f.Key], func(i, j int) bool { return out[f.Key][i][0] < out[f.Key][j][0] })
	}
	return out, nil
}

// Widen applies NAB's labeller rule to the runs of a file of n rows: each
// run is widened by half of L = int(0.10·n/k) rows on each side (k runs),
// clipped to the file, and overlapping windows are merged. Windows in the
// probationary period are kept (NAB's labeller would delete the first).
func Widen(runs [][2]int, n int) []Window {
	if len(runs) == 0 {
		return nil
	}
	half := int(0.10*float64(n)/float64(len(runs))) / 2
	var out []Window
	for _, r := range runs {
		w := Window{max(r[0]-half, 0), min(r[1]+half, n-1)}
		if k := len(out); k > 0 && w.Start <= out[k-1].End {
			out[k-1].End = max(out[k-1].End, w.End)
			continue
		}
		out = append(out, w)
	}
	return out
}

// Resample returns c aggregated into buckets of step (each bucket's mean
// value, timed at its start; files whose points are already step or more
// apart keep them), with runs moved to the buckets that hold them and
// windows rebuilt with Widen. It is how tend checks that a detector does not
// depend on the sampling interval of one corpus: the same incidents, seen
// hourly instead of every minute. Category names get suffix.
func (c *Corpus) Resample(step time.Duration, runs Runs, suffix string) (*Corpus, Runs) {
	out := &Corpus{Dir: c.Dir, Profiles: c.Profiles}
	outRuns := Runs{}
	sec := int64(step / time.Second)
	for _, f := range c.Files {
		g := &File{Category: f.Category + suffix, Name: f.Name}
		g.Key = g.Category + "/" + g.Name + ".csv"
		bucketOf := make([]int, f.Len())
		var sum float64
		var cnt int
		flush := func() {
			if cnt > 0 {
				g.Values[len(g.Values)-1] = sum / float64(cnt)
			}
		}
		cur := int64(0)
		for i, t := range f.Times {
			b := t.Unix() / sec * sec
			if i == 0 || b > cur {
				flush()
				cur, sum, cnt = b, 0, 0
				g.Times = append(g.Times, time.Unix(b, 0).UTC())
				g.Values = append(g.Values, 0)
			}
			sum += f.Values[i]
			cnt++
			bucketOf[i] = len(g.Values) - 1
		}
		flush()
		var rs [][2]int
		for _, r := range runs[f.Key] {
			a, b := bucketOf[r[0]], bucketOf[r[1]]
			if k := len(rs); k > 0 && a <= rs[k-1][1]+1 {
				rs[k-1][1] = max(rs[k-1][1], b)
				continue
			}
			rs = append(rs, [2]int{a, b})
		}
		outRuns[g.Key] = rs
		g.Windows = Widen(rs, g.Len())
		g.Probation = Probation(g.Len())
		out.Files = append(out.Files, g)
	}
	return out, outRuns
}

// WriteCorpus writes c as a NAB-layout corpus under dir: data/<key>,
// labels/combined_windows.json, labels/raw_windows.json (from runs, if
// given) and config/profiles.json, so NAB's own tools can run on it too.
func (c *Corpus) WriteCorpus(dir string, runs Runs) error {
	windows := map[string][][2]string{}
	rawW := map[string][][2]string{}
	ts := func(f *File, i int) string { return f.Times[i].Format(TimeLayout + ".000000") }
	for _, f := range c.Files {
		windows[f.Key] = [][2]string{}
		for _, w := range f.Windows {
			windows[f.Key] = append(windows[f.Key], [2]string{ts(f, w.Start), ts(f, w.End)})
		}
		rawW[f.Key] = [][2]string{}
		for _, r := range runs[f.Key] {
			rawW[f.Key] = append(rawW[f.Key], [2]string{ts(f, r[0]), ts(f, r[1])})
		}
		if err := writeSeries(filepath.Join(dir, "data", filepath.FromSlash(f.Key)), &f.Series); err != nil {
			return err
		}
	}
	profiles := map[string]any{}
	for _, p := range c.Profiles {
		profiles[p.Name] = map[string]any{"CostMatrix": map[string]float64{
			"tpWeight": p.TPWeight, "fnWeight": p.FNWeight, "fpWeight": p.FPWeight, "tnWeight": p.TNWeight}}
	}
	files := map[string]any{"labels/combined_windows.json": windows, "config/profiles.json": profiles}
	if runs != nil {
		files["labels/raw_windows.json"] = rawW
	}
	for name, v := range files {
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
	}
	return nil
}

func writeSeries(p string, s *Series) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write data file: %w", err)
	}
	fh, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("write data file: %w", err)
	}
	w := bufio.NewWriter(fh)
	w.WriteString("timestamp,value\n")
	buf := make([]byte, 0, 64)
	for i := range s.Values {
		buf = s.Times[i].AppendFormat(buf[:0], TimeLayout)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, s.Values[i], 'g', -1, 64)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return fmt.Errorf("write data file %s: %w", p, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("write data file %s: %w", p, err)
	}
	return nil
}

// Split cuts every file of c into consecutive pieces of rows rows (the
// last piece takes the remainder if it is at least half as long), each a
// file of its own named <name>_<k>, with its runs and NAB-rule windows: a
// corpus of short series with the same incidents.
func (c *Corpus) Split(rows int, runs Runs) (*Corpus, Runs) {
	out := &Corpus{Dir: c.Dir, Profiles: c.Profiles}
	outRuns := Runs{}
	for _, f := range c.Files {
		for k, lo := 0, 0; lo < f.Len(); k++ {
			hi := min(lo+rows, f.Len())
			if f.Len()-hi < rows/2 {
				hi = f.Len()
			}
			g := &File{Category: f.Category, Name: fmt.Sprintf("%s_%d", f.Name, k)}
			g.Key = g.Category + "/" + g.Name + ".csv"
			g.Times, g.Values = f.Times[lo:hi], f.Values[lo:hi]
			var rs [][2]int
			for _, r := range runs[f.Key] {
				if r[1] < lo || r[0] >= hi {
					continue
				}
				rs = append(rs, [2]int{max(r[0], lo) - lo, min(r[1], hi-1) - lo})
			}
			outRuns[g.Key] = rs
			g.Windows = Widen(rs, g.Len())
			g.Probation = Probation(g.Len())
			out.Files = append(out.Files, g)
			lo = hi
		}
	}
	return out, outRuns
}
