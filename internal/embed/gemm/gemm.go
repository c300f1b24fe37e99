// Package gemm multiplies float32 matrices fast enough for convolutional
// networks on a CPU: C += A×B with A packed once (a layer's weights) and B
// packed per call in cache-sized blocks, in the GotoBLAS arrangement
// (a 6×16 register tile, K in blocks of 256, A's block kept in L2, a
// 16-column panel of B in L1). On amd64 with AVX2 and FMA the tile is an
// assembly kernel; elsewhere a portable Go kernel computes the same sums.
//
// Everything here is single-threaded: callers run one multiplication per
// goroutine (tend's embedding workers each own one).
package gemm

const (
	mr = 6   // rows of the register tile
	nr = 16  // columns of the register tile
	kb = 256 // K block
	mb = 240 // M block (multiple of mr): mb×kb floats of A stay in L2
	nb = 512 // N block: kb×nb floats of packed B
)

// PackedA is an M×K matrix packed in panels of mr rows for repeated
// products. The zero value is an empty matrix.
type PackedA struct {
	M, K int
	data []float32 // [ceil(M/mr)][K][mr], zero-padded rows
}

// PackA packs the M×K row-major matrix a (row stride lda).
func PackA(a []float32, m, k, lda int) *PackedA {
	panels := (m + mr - 1) / mr
	p := &PackedA{M: m, K: k, data: make([]float32, panels*k*mr)}
	for pi := 0; pi < panels; pi++ {
		dst := p.data[pi*k*mr:]
		for r := 0; r < mr; r++ {
			row := pi*mr + r
			if row >= m {
				break
			}
			src := a[row*lda : row*lda+k]
			for kk, v := range src {
				dst[kk*mr+r] = v
			}
		}
	}
	return p
}

// Scratch is reusable working memory for MulAdd; the zero value is ready.
// A Scratch must not be shared by concurrent calls.
type Scratch struct {
	b    []float32
	tile [mr * nr]float32
}

// MulAdd computes C += A×B for the K×N row-major matrix b (row stride ldb)
// into the M×N row-major matrix c (row stride ldc).
func (p *PackedA) MulAdd(b []float32, ldb, n int, c []float32, ldc int, s *Scratch) {
	p.mulAdd(b, ldb, n, c, ldc, s, false)
}

// MulAddReLU computes C = max(C + A×B, 0): MulAdd with a fused ReLU.
func (p *PackedA) MulAddReLU(b []float32, ldb, n int, c []float32, ldc int, s *Scratch) {
	p.mulAdd(b, ldb, n, c, ldc, s, true)
}

func (p *PackedA) mulAdd(b []float32, ldb, n int, c []float32, ldc int, s *Scratch, relu bool) {
	if p.M == 0 || n == 0 || p.K == 0 {
		return
	}
	if s == nil {
		s = &Scratch{}
	}
	k := p.K
	for pc := 0; pc < k; pc += kb {
		kc := min(kb, k-pc)
		last := relu && pc+kc == k // clamp as the final K block is stored
		for jc := 0; jc < n; jc += nb {
			nc := min(nb, n-jc)
			bp := s.packB(b, ldb, pc, kc, jc, nc)
			for ic := 0; ic < p.M; ic += mb {
				mc := min(mb, p.M-ic)
				for jr := 0; jr < nc; jr += nr {
					bpanel := bp[(jr/nr)*kc*nr:]
					cols := min(nr, nc-jr)
					for ir := ic; ir < ic+mc; ir += mr {
						apanel := p.data[(ir/mr)*k*mr+pc*mr:]
						rows := min(mr, p.M-ir)
						if rows == mr && cols == nr {
							kernel(kc, apanel, bpanel, c[ir*ldc+jc+jr:], ldc, last)
							continue
						}
						t := s.tile[:]
						clear(t)
						kernel(kc, apanel, bpanel, t, nr, false)
						for r := 0; r < rows; r++ {
							row := c[(ir+r)*ldc+jc+jr:]
							for j := 0; j < cols; j++ {
								row[j] += t[r*nr+j]
								if last && row[j] < 0 {
									row[j] = 0
								}
							}
						}
					}
				}
			}
		}
	}
}

// packB packs rows pc..pc+kc, columns jc..jc+nc of b into panels of nr
// columns, each kc×nr, zero-padding the last panel.
func (s *Scratch) packB(b []float32, ldb, pc, kc, jc, nc int) []float32 {
	panels := (nc + nr - 1) / nr
	need := panels * kc * nr
	if cap(s.b) < need {
		s.b = make([]float32, need)
	}
	bp := s.b[:need]
	for pj := 0; pj < panels; pj++ {
		col := jc + pj*nr
		cols := min(nr, jc+nc-col)
		dst := bp[pj*kc*nr : (pj+1)*kc*nr]
		if cols == nr {
			copyRows16(dst, b[pc*ldb+col:], ldb, kc)
			continue
		}
		for kk := 0; kk < kc; kk++ {
			off := (pc+kk)*ldb + col
			d := dst[kk*nr : kk*nr+nr]
			copy(d, b[off:off+cols])
			clear(d[cols:])
		}
	}
	return bp
}

// kernelGo is the portable register tile: C[mr×nr] += A×B for packed
// panels a (mr per k) and b (nr per k).
func kernelGo(kc int, a, b, c []float32, ldc int, relu bool) {
	var acc [mr][nr]float32
	for k := 0; k < kc; k++ {
		bk := b[k*nr : k*nr+nr]
		ak := a[k*mr : k*mr+mr]
		for r := 0; r < mr; r++ {
			av := ak[r]
			row := &acc[r]
			for j := 0; j < nr; j++ {
				row[j] += av * bk[j]
			}
		}
	}
	for r := 0; r < mr; r++ {
		row := c[r*ldc : r*ldc+nr]
		for j := range row {
			row[j] += acc[r][j]
			if relu && row[j] < 0 {
				row[j] = 0
			}
		}
	}
}

// dotGo is the portable dot product, eight partial sums wide.
func dotGo(a, b []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
		s4 += a[i+4] * b[i+4]
		s5 += a[i+5] * b[i+5]
		s6 += a[i+6] * b[i+6]
		s7 += a[i+7] * b[i+7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func copyRows16Go(dst, src []float32, ldb, kc int) {
	for kk := 0; kk < kc; kk++ {
		*(*[nr]float32)(dst[kk*nr:]) = [nr]float32(src[kk*ldb : kk*ldb+nr])
	}
}

// maxGo is the portable Max: a NaN in src is kept, as VMAXPS does.
func maxGo(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		if !(dst[i] > v) {
			dst[i] = v
		}
	}
}
