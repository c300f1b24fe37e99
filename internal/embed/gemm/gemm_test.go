package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func naive(a, b []float32, m, n, k int) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for kk := 0; kk < k; kk++ {
				s += float64(a[i*k+kk]) * float64(b[kk*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

func random(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

func TestMulAddMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 1}, {6, 16, 1}, {7, 17, 3}, {64, 49, 576}, {13, 530, 300}, {250, 33, 600}} {
		m, n, k := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(t *testing.T) {
			a, b := random(r, m*k), random(r, k*n)
			want := naive(a, b, m, n, k)
			c := make([]float32, m*n)
			for i := range c {
				c[i] = 1 // MulAdd adds
			}
			PackA(a, m, k, k).MulAdd(b, n, n, c, n, nil)
			for i := range c {
				if d := math.Abs(float64(c[i] - 1 - want[i])); d > 1e-3*math.Sqrt(float64(k)) {
					t.Fatalf("c[%d] = %v, want %v", i, c[i]-1, want[i])
				}
			}
		})
	}
}

func TestKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kc := 37
	a, b := random(r, kc*mr), random(r, kc*nr)
	c1, c2 := make([]float32, mr*nr), make([]float32, mr*nr)
	kernel(kc, a, b, c1, nr, false)
	kernelGo(kc, a, b, c2, nr, false)
	for i := range c1 {
		if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-4 {
			t.Fatalf("tile[%d]: %v (dispatched) vs %v (Go)", i, c1[i], c2[i])
		}
	}
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 15, 16, 17, 512, 1000} {
		a, b := random(r, n), random(r, n)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := Dot(a, b); math.Abs(float64(got)-want) > 1e-3 {
			t.Errorf("Dot(n=%d) = %v, want %v", n, got, want)
		}
	}
}

func BenchmarkMulAdd(b *testing.B) {
	for _, sz := range [][3]int{{64, 3136, 576}, {256, 196, 2304}, {512, 392, 4608}} {
		m, n, k := sz[0], sz[1], sz[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			pa := PackA(random(r, m*k), m, k, k)
			bm, c := random(r, k*n), make([]float32, m*n)
			var s Scratch
			for b.Loop() {
				pa.MulAdd(bm, n, n, c, n, &s)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestMulAddReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m, n, k := 13, 37, 600 // two K blocks, edge tiles
	a, b := random(r, m*k), random(r, k*n)
	want := naive(a, b, m, n, k)
	c := make([]float32, m*n)
	PackA(a, m, k, k).MulAddReLU(b, n, n, c, n, nil)
	for i := range c {
		w := max(want[i], 0)
		if d := math.Abs(float64(c[i] - w)); d > 1e-3*math.Sqrt(float64(k)) {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], w)
		}
	}
	var s Scratch
	for _, relu := range []bool{false, true} {
		kc := 11
		a, b := random(r, kc*mr), random(r, kc*nr)
		c1, c2 := random(r, mr*nr), make([]float32, mr*nr)
		copy(c2, c1)
		kernel(kc, a, b, c1, nr, relu)
		kernelGo(kc, a, b, c2, nr, relu)
		for i := range c1 {
			if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-4 {
				t.Fatalf("relu=%v tile[%d]: %v (dispatched) vs %v (Go)", relu, i, c1[i], c2[i])
			}
		}
	}
	_ = s
}

func TestMaxAndCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, 7, 8, 9, 33, 100} {
		a, b := random(r, n), random(r, n)
		want := make([]float32, n)
		for i := range want {
			want[i] = max(a[i], b[i])
		}
		Max(a, b)
		for i := range a {
			if a[i] != want[i] {
				t.Fatalf("Max n=%d [%d] = %v, want %v", n, i, a[i], want[i])
			}
		}
	}
	src, dst := random(r, 40*5), make([]float32, 16*5)
	copyRows16(dst, src[3:], 40, 5)
	for k := 0; k < 5; k++ {
		for j := 0; j < 16; j++ {
			if dst[k*16+j] != src[3+k*40+j] {
				t.Fatalf("copyRows16 [%d][%d]", k, j)
			}
		}
	}
}
