package gonnx

import (
	"fmt"

	"github.com/tendhq/tend/internal/embed/gemm"
)

// convOp is a 2-D convolution by im2col and GEMM. Images whose output
// plane is small are multiplied together, so the GEMM's N stays large.
type convOp struct {
	w         window
	cin, cout int
	weights   *gemm.PackedA
	bias      []float32
	relu      bool // a fused Relu follows
	residual  bool // a fused Add: the second input is added to the output
}

func (c *convOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	if len(x.shape) != 4 || x.shape[1] != c.cin {
		return nil, fmt.Errorf("input %v must be [n,%d,H,W]", x.shape, c.cin)
	}
	n, h, wd := x.shape[0], x.shape[2], x.shape[3]
	oh, ow := c.w.out(h, wd)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("the kernel is larger than the %dx%d input", h, wd)
	}
	hw := oh * ow
	k := c.weights.K
	out := s.alloc(n, c.cout, oh, ow)
	pointwise := c.w.kh == 1 && c.w.kw == 1 && c.w.sh == 1 && c.w.sw == 1 && c.w.pt == 0 && c.w.pl == 0 && c.w.pb == 0 && c.w.pr == 0
	chunk := 1
	if hw < 1024 {
		chunk = min(n, (1024+hw-1)/hw)
	}
	inPlane := c.cin * h * wd
	for i0 := 0; i0 < n; i0 += chunk {
		m := min(chunk, n-i0)
		if m == 1 {
			dst := out.data[i0*c.cout*hw : (i0+1)*c.cout*hw]
			c.initBias(dst, hw, hw)
			if c.residual {
				if err := addResidual(dst, in[1], i0, 1, c.cout, hw, hw); err != nil {
					return nil, err
				}
			}
			src := x.data[i0*inPlane : (i0+1)*inPlane]
			b := src
			if !pointwise {
				s.scr.col = grow(s.scr.col, k*hw)
				c.im2col(src, h, wd, oh, ow, s.scr.col, hw, 0)
				b = s.scr.col
			}
			c.mul(b, hw, dst, &s.scr.g)
			continue
		}
		ldb := m * hw
		s.scr.col = grow(s.scr.col, k*ldb)
		for j := 0; j < m; j++ {
			src := x.data[(i0+j)*inPlane : (i0+j+1)*inPlane]
			c.im2col(src, h, wd, oh, ow, s.scr.col, ldb, j*hw)
		}
		s.scr.tmp = grow(s.scr.tmp, c.cout*ldb)
		c.initBias(s.scr.tmp, ldb, ldb)
		if c.residual {
			if err := addResidual(s.scr.tmp, in[1], i0, m, c.cout, hw, ldb); err != nil {
				return nil, err
			}
		}
		c.mul(s.scr.col, ldb, s.scr.tmp, &s.scr.g)
		for j := 0; j < m; j++ {
			dst := out.data[(i0+j)*c.cout*hw:]
			for ch := 0; ch < c.cout; ch++ {
				copy(dst[ch*hw:(ch+1)*hw], s.scr.tmp[ch*ldb+j*hw:ch*ldb+(j+1)*hw])
			}
		}
	}
	return out, nil
}

// mul is C += W·B (n columns), with the fused Relu if any.
func (c *convOp) mul(b []float32, n int, dst []float32, s *gemm.Scratch) {
	if c.relu {
		c.weights.MulAddReLU(b, n, n, dst, n, s)
		return
	}
	c.weights.MulAdd(b, n, n, dst, n, s)
}

// initBias sets each of cout rows (n wide, stride ld) to its bias.
func (c *convOp) initBias(dst []float32, n, ld int) {
	for ch := 0; ch < c.cout; ch++ {
		row := dst[ch*ld : ch*ld+n]
		v := float32(0)
		if c.bias != nil {
			v = c.bias[ch]
		}
		for i := range row {
			row[i] = v
		}
	}
}

// im2col writes one image's patches as columns off..off+oh*ow of the
// K×ldb matrix dst (row = input channel, kernel row, kernel column).
func (c *convOp) im2col(src []float32, h, wd, oh, ow int, dst []float32, ldb, off int) {
	w := c.w
	for ch := 0; ch < c.cin; ch++ {
		plane := src[ch*h*wd : (ch+1)*h*wd]
		for ki := 0; ki < w.kh; ki++ {
			for kj := 0; kj < w.kw; kj++ {
				row := (ch*w.kh+ki)*w.kw + kj
				d := dst[row*ldb+off : row*ldb+off+oh*ow]
				ix0 := kj*w.dw - w.pl
				for oy := 0; oy < oh; oy++ {
					line := d[oy*ow : (oy+1)*ow]
					iy := oy*w.sh - w.pt + ki*w.dh
					if iy < 0 || iy >= h {
						clear(line)
						continue
					}
					srow := plane[iy*wd : (iy+1)*wd]
					if w.sw == 1 {
						lo := max(0, -ix0)
						hi := min(ow, wd-ix0)
						if hi <= lo {
							clear(line)
							continue
						}
						for i := range line[:lo] {
							line[i] = 0
						}
						if hi-lo < 32 {
							for i, v := range srow[ix0+lo : ix0+hi] {
								line[lo+i] = v
							}
						} else {
							copy(line[lo:hi], srow[ix0+lo:ix0+hi])
						}
						for i := range line[hi:] {
							line[hi+i] = 0
						}
						continue
					}
					for ox := range line {
						ix := ox*w.sw + ix0
						if ix < 0 || ix >= wd {
							line[ox] = 0
						} else {
							line[ox] = srow[ix]
						}
					}
				}
			}
		}
	}
}

// gemmOp is out[n,N] = X[n,K]·W + bias, computed as outᵀ = Wᵀ·Xᵀ so the
// constant weights are the packed operand.
type gemmOp struct {
	k, n    int
	weights *gemm.PackedA // [N,K]
	bias    []float32
	relu    bool // a fused Relu follows
}

func (g *gemmOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	if len(x.shape) < 1 {
		return nil, fmt.Errorf("input is a scalar")
	}
	rows := x.shape[0]
	if len(x.shape) == 1 || numel(x.shape[1:]) != g.k {
		return nil, fmt.Errorf("input %v must be [n,%d]", x.shape, g.k)
	}
	xt := grow(s.scr.tmp2, g.k*rows)
	s.scr.tmp2 = xt
	for i := 0; i < rows; i++ {
		for j, v := range x.data[i*g.k : (i+1)*g.k] {
			xt[j*rows+i] = v
		}
	}
	ct := grow(s.scr.tmp, g.n*rows)
	s.scr.tmp = ct
	for j := 0; j < g.n; j++ {
		v := float32(0)
		if g.bias != nil {
			v = g.bias[j]
		}
		row := ct[j*rows : (j+1)*rows]
		for i := range row {
			row[i] = v
		}
	}
	g.weights.MulAdd(xt, rows, rows, ct, rows, &s.scr.g)
	out := s.alloc(rows, g.n)
	for i := 0; i < rows; i++ {
		for j := 0; j < g.n; j++ {
			out.data[i*g.n+j] = ct[j*rows+i]
		}
	}
	if g.relu {
		relu(out.data)
	}
	return out, nil
}

// addResidual adds images i0..i0+m of r ([n, cout, hw]) to dst, laid out
// [cout][m*hw] with row stride ld.
func addResidual(dst []float32, r *tensor, i0, m, cout, hw, ld int) error {
	if len(r.data) < (i0+m)*cout*hw || numel(r.shape) != len(r.data) || len(r.shape) != 4 || r.shape[1] != cout || r.shape[2]*r.shape[3] != hw {
		return fmt.Errorf("residual %v does not match the output [n,%d,%d]", r.shape, cout, hw)
	}
	for j := 0; j < m; j++ {
		for ch := 0; ch < cout; ch++ {
			src := r.data[((i0+j)*cout+ch)*hw : ((i0+j)*cout+ch+1)*hw]
			d := dst[ch*ld+j*hw : ch*ld+(j+1)*hw]
			for i, v := range src {
				d[i] += v
			}
		}
	}
	return nil
}
