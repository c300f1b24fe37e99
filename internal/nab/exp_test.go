package nab

import (
	"fmt"
	"os"
	"testing"

	"github.com/tendhq/tend/internal/detect"
)

func TestExp(t *testing.T) {
	if os.Getenv("TEND_EXP") == "" {
		t.Skip()
	}
	c := testCorpus(t)
	base := detect.DefaultConfig()
	var cfgs []detect.Config
	for _, g := range []float64{0, 0.3, 0.6, 1} {
		for _, rf := range []float64{0, 0.02, 0.04} {
			cf := base
			cf.Gamma = g
			cf.Offset = 0.5 * g
			cf.RefFrac = rf
			cfgs = append(cfgs, cf)
		}
	}
	for _, cf := range cfgs {
		cf := cf
		evalFactory(t, c, fmt.Sprintf("%+v", cf), func() (detect.Detector, error) { return detect.NewEnsemble(cf), nil })
	}
}

func TestDiag(t *testing.T) {
	if os.Getenv("TEND_DIAG") == "" {
		t.Skip()
	}
	c := testCorpus(t)
	cf := detect.DefaultConfig()
	cf.Experts = 5
	cf.Combine = 1
	s, _ := c.Run(t.Context(), func() (detect.Detector, error) { return detect.NewEnsemble(cf), nil }, 0, nil)
	p := c.Profiles[0]
	ps, _ := c.Optimize(s, p)
	for _, fs := range ps.Files {
		f := fs.File
		sc := s[f.Key]
		line := fmt.Sprintf("%-50s N=%5d P=%4d raw=%6.2f FP=%3d", f.Key, f.Len(), f.Probation, fs.Raw, fs.FP)
		for _, w := range f.Windows {
			first := -1
			mx := 0.0
			for i := w.Start; i <= w.End; i++ {
				if sc[i] > mx {
					mx = sc[i]
				}
				if first < 0 && sc[i] >= ps.Threshold {
					first = i
				}
			}
			rel := "miss"
			if first >= 0 {
				rel = fmt.Sprintf("%.2f", float64(first-w.Start)/float64(w.Width()))
			}
			line += fmt.Sprintf(" [%d-%d %s max%.2f]", w.Start, w.End, rel, mx)
		}
		t.Log(line)
	}
}
