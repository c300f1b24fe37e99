//go:build !amd64

package gemm

func kernel(kc int, a, b, c []float32, ldc int, relu bool) { kernelGo(kc, a, b, c, ldc, relu) }

// Dot returns the dot product of a and b (equal lengths).
func Dot(a, b []float32) float32 {
	if len(b) < len(a) {
		panic("gemm.Dot: b is shorter than a")
	}
	return dotGo(a, b[:len(a)])
}

func copyRows16(dst, src []float32, ldb, kc int) { copyRows16Go(dst, src, ldb, kc) }

// Max sets dst[i] = max(dst[i], src[i]) (src at least as long as dst).
func Max(dst, src []float32) { maxGo(dst, src[:len(dst)]) }
