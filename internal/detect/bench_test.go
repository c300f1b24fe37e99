package detect_test

import (
	"time"

	"path/filepath"
	"testing"

	"github.com/tendhq/tend/internal/detect"
	"github.com/tendhq/tend/internal/nab"
)

// BenchmarkDefault streams the whole NAB corpus (365,558 points, 58 series)
// through the default detector, one fresh detector per series, on one
// goroutine. It reports points/s; allocs/op counts only the reasons of the
// few alerts and the 58 detectors.
func BenchmarkDefault(b *testing.B) { benchCorpus(b, detect.DefaultName) }

// BenchmarkZScore is the same for the zscore baseline.
func BenchmarkZScore(b *testing.B) { benchCorpus(b, "zscore") }

func benchCorpus(b *testing.B, name string) {
	dir := nab.FindDir(filepath.Join("..", "..", "..", "shared", "nab"), "/work/shared/nab")
	if dir == "" {
		b.Skip("NAB corpus not found (set TEND_NAB_DIR)")
	}
	c, err := nab.LoadCorpus(dir)
	if err != nil {
		b.Fatal(err)
	}
	points := 0
	for _, f := range c.Files {
		points += f.Len()
	}
	dets := make([]detect.Detector, len(c.Files))
	b.ResetTimer()
	for b.Loop() {
		for i := range dets {
			dets[i], _ = detect.New(name)
		}
		for i, f := range c.Files {
			d := dets[i]
			for j, v := range f.Values {
				d.Observe(f.Times[j], v)
			}
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkObserve measures one Observe call on ordinary points (no alert).
func BenchmarkObserve(b *testing.B) {
	d, _ := detect.New(detect.DefaultName)
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = float64(i%97) + float64(i%13)*0.5
	}
	for _, v := range vals {
		d.Observe(time.Time{}, v)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Observe(time.Time{}, vals[i&4095])
		i++
	}
}
