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
	base.Confirm = 3
	base.ConfirmGap = 0.5
	for _, db := range []int{6, 12, 24} {
		for _, b4 := range []int{4, 6, 8} {
			cf := base
			cf.Experts = 31 | 32
			cf.DayBins = db
			cf.Bins4 = b4
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

func TestBreakdown(t *testing.T) {
	if os.Getenv("TEND_DIAG") == "" {
		t.Skip()
	}
	c := testCorpus(t)
	s, _ := c.Run(t.Context(), Named(detect.DefaultName), 0, nil)
	p := c.Profiles[0]
	ps, _ := c.Optimize(s, p)
	var tp, fn, fpBefore, fpAfter, fpNone float64
	var nBefore, nAfter, nNone int
	for _, f := range c.Files {
		win, val := rowValues(f, p)
		sc := s[f.Key]
		hit := make([]bool, len(f.Windows))
		for i := f.Probation; i < f.Len(); i++ {
			if sc[i] < ps.Threshold {
				continue
			}
			if win[i] >= 0 {
				if !hit[win[i]] {
					tp += val[i]
					hit[win[i]] = true
				}
				continue
			}
			// before any window / after a window
			after := false
			for _, w := range f.Windows {
				if w.End < i {
					after = true
				}
			}
			switch {
			case len(f.Windows) == 0:
				fpNone += val[i]
				nNone++
			case after:
				fpAfter += val[i]
				nAfter++
			default:
				fpBefore += val[i]
				nBefore++
			}
		}
		for _, h := range hit {
			if !h {
				fn--
			}
		}
	}
	t.Logf("score %.2f tp %.2f fn %.0f fp-before-first %.2f (%d) fp-after %.2f (%d) fp-nowindow-files %.2f (%d)", ps.Score, tp, fn, fpBefore, nBefore, fpAfter, nAfter, fpNone, nNone)
}
