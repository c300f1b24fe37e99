package nab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadResults reads a detector's results directory for every file of c. For
// a data file <category>/<name>.csv it accepts <dir>/<category>/<name>.csv
// (tend's layout) or <dir>/<category>/<det>_<name>.csv (NAB's layout, where
// <det> has no "_"). Each must carry an anomaly_score column with exactly one
// row per data row.
func (c *Corpus) LoadResults(dir string) (Scores, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("results directory: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("results %s: not a directory", dir)
	}
	out := make(Scores, len(c.Files))
	for _, f := range c.Files {
		p, err := findResult(dir, f)
		if err != nil {
			return nil, err
		}
		sc, err := readScoresFile(p)
		if err != nil {
			return nil, err
		}
		if len(sc) != f.Len() {
			return nil, fmt.Errorf("results %s: %d rows, data file %s has %d; a results file needs one row per data row", p, len(sc), f.Key, f.Len())
		}
		out[f.Key] = sc
	}
	return out, nil
}

func readScoresFile(p string) ([]float64, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	defer fh.Close()
	sc, err := ReadScores(fh)
	if err != nil {
		return nil, fmt.Errorf("read results %s: %w", p, err)
	}
	return sc, nil
}

func findResult(dir string, f *File) (string, error) {
	catDir := filepath.Join(dir, f.Category)
	exact := filepath.Join(catDir, f.Name+".csv")
	if _, err := os.Stat(exact); err == nil {
		return exact, nil
	}
	ents, err := os.ReadDir(catDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("list results for %s: %w", f.Category, err)
	}
	var found []string
	for _, e := range ents {
		det, rest, ok := strings.Cut(e.Name(), "_")
		if ok && det != "" && !e.IsDir() && rest == f.Name+".csv" {
			found = append(found, filepath.Join(catDir, e.Name()))
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no results for %s: want %s or %s", f.Key, exact, filepath.Join(catDir, "<detector>_"+f.Name+".csv"))
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("results for %s are ambiguous: %s; keep one detector per results directory", f.Key, strings.Join(found, ", "))
	}
}
