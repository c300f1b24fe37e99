package review

import (
	"context"
	"os"
	"testing"
)

// BenchmarkReviewSuite reviews TEND_REVIEW_BENCH_DIR (default: the OWASP
// BenchmarkPython beside the repository, skipped when absent) end to end:
// walk, read, parse, analyse. It reports source bytes per second.
func BenchmarkReviewSuite(b *testing.B) {
	dir := os.Getenv("TEND_REVIEW_BENCH_DIR")
	if dir == "" {
		dir = "../../../shared/sast/BenchmarkPython"
	}
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no suite at %s", dir)
	}
	var size int64
	for i := 0; i < b.N; i++ {
		rep, err := Review(context.Background(), []string{dir}, Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		size = rep.Bytes
	}
	b.SetBytes(size)
}
