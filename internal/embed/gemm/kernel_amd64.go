package gemm

import "golang.org/x/sys/cpu"

// hasAVX2 selects the assembly kernels; without AVX2 and FMA the portable
// Go kernels run.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, relu bool)

//go:noescape
func dotAVX(a, b *float32, n int) float32

func kernel(kc int, a, b, c []float32, ldc int, relu bool) {
	if hasAVX2 {
		kernel6x16(kc, &a[0], &b[0], &c[0], ldc, relu)
		return
	}
	kernelGo(kc, a, b, c, ldc, relu)
}

// Dot returns the dot product of a and b (equal lengths).
func Dot(a, b []float32) float32 {
	n := len(a)
	if len(b) < n {
		panic("gemm.Dot: b is shorter than a")
	}
	var s float32
	m := n &^ 15
	if hasAVX2 && m > 0 {
		s = dotAVX(&a[0], &b[0], m)
	} else {
		m = 0
	}
	return s + dotGo(a[m:n], b[m:n])
}
