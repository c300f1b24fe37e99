package nab

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// WriteResults writes one CSV per file of c under dir, at
// <dir>/<category>/<name>.csv, with the columns
// timestamp,value,anomaly_score,label (label is 1 inside a window). Each file
// is written to a temporary name and renamed into place, so a failed run
// leaves no partial results file.
func (c *Corpus) WriteResults(dir string, s Scores) error {
	if err := c.check(s); err != nil {
		return err
	}
	for _, f := range c.Files {
		if err := writeResult(dir, f, s[f.Key]); err != nil {
			return err
		}
	}
	return nil
}

func writeResult(dir string, f *File, scores []float64) (err error) {
	catDir := filepath.Join(dir, f.Category)
	if err := os.MkdirAll(catDir, 0o755); err != nil {
		return fmt.Errorf("create results directory: %w", err)
	}
	final := filepath.Join(catDir, f.Name+".csv")
	tmp, err := os.CreateTemp(catDir, "."+f.Name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write results for %s: %w", f.Key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	w.WriteString("timestamp,value,anomaly_score,label\n")
	wi := 0
	buf := make([]byte, 0, 64)
	for i, sc := range scores {
		for wi < len(f.Windows) && f.Windows[wi].End < i {
			wi++
		}
		label := "0"
		if wi < len(f.Windows) && f.Windows[wi].Start <= i {
			label = "1"
		}
		buf = f.Times[i].AppendFormat(buf[:0], TimeLayout)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, f.Values[i], 'g', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, sc, 'g', -1, 64)
		buf = append(buf, ',')
		buf = append(buf, label...)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write results for %s: %w", f.Key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write results for %s: %w", f.Key, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("write results for %s: %w", f.Key, err)
	}
	return nil
}
