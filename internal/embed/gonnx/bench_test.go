package gonnx

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/embed/onnx"
)

// sharedModel finds a file of ../shared/models (beside the repository, as
// on the developers' machines and in CI), or TEND_TEST_MODELS.
func sharedModel(tb testing.TB, name string) string {
	tb.Helper()
	if dir := os.Getenv("TEND_TEST_MODELS"); dir != "" {
		return filepath.Join(dir, name)
	}
	wd, _ := os.Getwd()
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "models", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		p = filepath.Join(filepath.Dir(d), "shared", "models", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("shared/models/%s not found beside the repository (set TEND_TEST_MODELS)", name)
	return ""
}

// BenchmarkResNet18 runs the seed's ResNet18 (random weights) on one
// goroutine; -cpu 1 makes it one core.
func BenchmarkResNet18(b *testing.B) {
	m, err := onnx.ReadFile(sharedModel(b, "resnet18-512.onnx"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(m)
	if err != nil {
		b.Fatal(err)
	}
	for _, bs := range []int{1, 8} {
		b.Run("batch="+itoa(bs), func(b *testing.B) {
			s := p.NewSession()
			r := rand.New(rand.NewPCG(1, 1))
			in := make([]float32, bs*3*224*224)
			for i := range in {
				in[i] = float32(r.NormFloat64())
			}
			runtime.GC()
			cpu := cpuTime()
			for b.Loop() {
				if _, _, err := s.Run(context.Background(), in, bs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bs*b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64(bs*b.N)/(cpuTime()-cpu).Seconds(), "images/cpu-s")
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// BenchmarkFashion runs the committed Fashion-MNIST model, 64 images a run.
func BenchmarkFashion(b *testing.B) {
	p := load(b, "../../../models/fashion-mnist/fashion-cnn.onnx")
	s := p.NewSession()
	in := make([]float32, 64*28*28)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range in {
		in[i] = float32(r.NormFloat64())
	}
	cpu := cpuTime()
	for b.Loop() {
		if _, _, err := s.Run(context.Background(), in, 64); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(64*b.N)/(cpuTime()-cpu).Seconds(), "images/cpu-s")
}

// cpuTime is the process's user + system time: on a machine shared with
// other work, images per CPU-second is the repeatable figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
