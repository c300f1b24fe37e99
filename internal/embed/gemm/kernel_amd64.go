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

//go:noescape
func copyPanel(dst, src *float32, ldb, kc int)

//go:noescape
func maxAVX(dst, src *float32, n int)

// copyRows16 copies 16 floats from each of kc rows of src (stride ldb)
// into dst, 16 apart.
func copyRows16(dst, src []float32, ldb, kc int) {
	if hasAVX2 && kc > 0 {
		_ = dst[(kc-1)*nr+nr-1]
		_ = src[(kc-1)*ldb+nr-1]
		copyPanel(&dst[0], &src[0], ldb, kc)
		return
	}
	copyRows16Go(dst, src, ldb, kc)
}

// Max sets dst[i] = max(dst[i], src[i]) (src at least as long as dst).
func Max(dst, src []float32) {
	n := len(dst)
	m := n &^ 7
	if hasAVX2 && m > 0 {
		_ = src[n-1]
		maxAVX(&dst[0], &src[0], m)
	} else {
		m = 0
	}
	maxGo(dst[m:], src[m:n])
}
