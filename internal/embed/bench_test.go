package embed_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/source"
	"github.com/tendhq/tend/internal/embed/vectors"
	"github.com/tendhq/tend/internal/store/storetest"
)

// BenchmarkRunFashion10k is the end-to-end target: 10,000 28×28 PNGs from
// a directory into the SQLite store with the Fashion-MNIST model, two
// workers (the 20 test images, copied 500 times each).
func BenchmarkRunFashion10k(b *testing.B) {
	m, err := embed.LoadModel(fashionModel)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var files [][]byte
	_ = filepath.Walk("testdata/fashion", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			files = append(files, data)
		}
		return err
	})
	for i := range 10_000 {
		sub := filepath.Join(dir, fmt.Sprint(i/1000))
		_ = os.MkdirAll(sub, 0o755)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%05d.png", i)), files[i%len(files)], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	src, err := source.NewDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		vs := vectors.New(storetest.OpenSQLite(b))
		b.StartTimer()
		rep, err := embed.Run(context.Background(), embed.Job{Source: src, Model: m, Sink: vs, Batch: 256, Workers: 2})
		if err != nil || rep.Embedded != 10_000 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "images/s")
}
