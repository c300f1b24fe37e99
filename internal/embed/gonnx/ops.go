package gonnx

import (
	"fmt"
	"math"
	"slices"

	"github.com/tendhq/tend/internal/embed/gemm"
)

// scratch is a session's reusable working memory for the heavy ops.
type scratch struct {
	g    gemm.Scratch
	col  []float32
	tmp  []float32
	tmp2 []float32
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

type identityOp struct{}

func (identityOp) run(s *Session, in []*tensor) (*tensor, error) {
	out := s.alloc(slices.Clone(in[0].shape)...)
	copy(out.data, in[0].data)
	return out, nil
}

type reluOp struct{}

// relu clamps negative values to zero in place.
func relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

func (reluOp) run(s *Session, in []*tensor) (*tensor, error) {
	out := s.alloc(slices.Clone(in[0].shape)...)
	for i, v := range in[0].data {
		out.data[i] = max(v, 0)
	}
	return out, nil
}

type addOp struct{}

func (addOp) run(s *Session, in []*tensor) (*tensor, error) {
	a, b := in[0], in[1]
	if slices.Equal(a.shape, b.shape) {
		out := s.alloc(slices.Clone(a.shape)...)
		bd := b.data[:len(a.data)]
		for i, v := range a.data {
			out.data[i] = v + bd[i]
		}
		return out, nil
	}
	return broadcastAdd(s, a, b)
}

// broadcastAdd adds with numpy broadcasting.
func broadcastAdd(s *Session, a, b *tensor) (*tensor, error) {
	rank := max(len(a.shape), len(b.shape))
	pad := func(sh []int) []int {
		out := make([]int, rank)
		for i := range out {
			out[i] = 1
		}
		copy(out[rank-len(sh):], sh)
		return out
	}
	as, bs := pad(a.shape), pad(b.shape)
	shape := make([]int, rank)
	for i := range shape {
		switch {
		case as[i] == bs[i], bs[i] == 1:
			shape[i] = as[i]
		case as[i] == 1:
			shape[i] = bs[i]
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a.shape, b.shape)
		}
	}
	strides := func(sh []int) []int {
		st := make([]int, rank)
		acc := 1
		for i := rank - 1; i >= 0; i-- {
			if sh[i] != 1 {
				st[i] = acc
			}
			acc *= sh[i]
		}
		return st
	}
	ast, bst := strides(as), strides(bs)
	out := s.alloc(shape...)
	idx := make([]int, rank)
	for o := range out.data {
		ai, bi := 0, 0
		for d := 0; d < rank; d++ {
			ai += idx[d] * ast[d]
			bi += idx[d] * bst[d]
		}
		out.data[o] = a.data[ai] + b.data[bi]
		for d := rank - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

type flattenOp struct{ axis int }

func (f flattenOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	axis := f.axis
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis > len(x.shape) {
		return nil, fmt.Errorf("axis %d out of range for shape %v", f.axis, x.shape)
	}
	return &tensor{shape: []int{numel(x.shape[:axis]), numel(x.shape[axis:])}, data: x.data}, nil
}

type reshapeOp struct{ shape []int64 }

func (r reshapeOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	shape := make([]int, len(r.shape))
	infer := -1
	known := 1
	for i, d := range r.shape {
		switch {
		case d == 0:
			if i >= len(x.shape) {
				return nil, fmt.Errorf("shape %v copies dimension %d of %v, which has none", r.shape, i, x.shape)
			}
			shape[i] = x.shape[i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has two -1", r.shape)
			}
			infer = i
			continue
		case d < 0:
			return nil, fmt.Errorf("shape %v has a negative dimension", r.shape)
		default:
			shape[i] = int(d)
		}
		known *= shape[i]
	}
	total := numel(x.shape)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", x.shape, r.shape)
		}
		shape[infer] = total / known
	}
	if numel(shape) != total {
		return nil, fmt.Errorf("cannot reshape %v to %v", x.shape, r.shape)
	}
	return &tensor{shape: shape, data: x.data}, nil
}

type globalAvgPoolOp struct{}

func (globalAvgPoolOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	if len(x.shape) != 4 {
		return nil, fmt.Errorf("input must be 4-D, is %v", x.shape)
	}
	n, c, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	out := s.alloc(n, c, 1, 1)
	inv := 1 / float32(hw)
	for i := 0; i < n*c; i++ {
		var sum float32
		for _, v := range x.data[i*hw : (i+1)*hw] {
			sum += v
		}
		out.data[i] = sum * inv
	}
	return out, nil
}

type maxPoolOp struct{ w window }

func (p maxPoolOp) run(s *Session, in []*tensor) (*tensor, error) {
	return pool2d(s, in[0], p.w, true, false)
}

type avgPoolOp struct {
	w        window
	countPad bool
}

func (p avgPoolOp) run(s *Session, in []*tensor) (*tensor, error) {
	return pool2d(s, in[0], p.w, false, p.countPad)
}

func pool2d(s *Session, x *tensor, w window, isMax, countPad bool) (*tensor, error) {
	if len(x.shape) != 4 {
		return nil, fmt.Errorf("input must be 4-D, is %v", x.shape)
	}
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := w.out(h, wd)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("the window is larger than the %dx%d input", h, wd)
	}
	out := s.alloc(n, c, oh, ow)
	inside := w.pt == 0 && w.pl == 0 && w.dh == 1 && w.dw == 1 && (oh-1)*w.sh+w.kh <= h && (ow-1)*w.sw+w.kw <= wd
	if isMax && inside {
		maxPoolInside(x.data, out.data, n*c, h, wd, oh, ow, w)
		return out, nil
	}
	if isMax && w.dh == 1 && w.dw == 1 {
		maxPoolClipped(x.data, out.data, n*c, h, wd, oh, ow, w)
		return out, nil
	}
	for plane := 0; plane < n*c; plane++ {
		src := x.data[plane*h*wd : (plane+1)*h*wd]
		dst := out.data[plane*oh*ow : (plane+1)*oh*ow]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				acc := float32(0)
				if isMax {
					acc = float32(math.Inf(-1))
				}
				count := 0
				for ki := 0; ki < w.kh; ki++ {
					iy := oy*w.sh - w.pt + ki*w.dh
					if iy < 0 || iy >= h {
						continue
					}
					for kj := 0; kj < w.kw; kj++ {
						ix := ox*w.sw - w.pl + kj*w.dw
						if ix < 0 || ix >= wd {
							continue
						}
						v := src[iy*wd+ix]
						if isMax {
							acc = max(acc, v)
						} else {
							acc += v
						}
						count++
					}
				}
				if !isMax {
					if countPad {
						// The window clipped to the padded input.
						y0, x0 := oy*w.sh-w.pt, ox*w.sw-w.pl
						y1, x1 := min(y0+w.kh, h+w.pb), min(x0+w.kw, wd+w.pr)
						count = (y1 - y0) * (x1 - x0)
					}
					if count > 0 {
						acc /= float32(count)
					}
				}
				dst[oy*ow+ox] = acc
			}
		}
	}
	return out, nil
}

type batchNormOp struct{ mul, add []float32 }

func (b batchNormOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	if len(x.shape) < 2 || x.shape[1] != len(b.mul) {
		return nil, fmt.Errorf("input %v does not have %d channels", x.shape, len(b.mul))
	}
	out := s.alloc(slices.Clone(x.shape)...)
	n, c := x.shape[0], x.shape[1]
	plane := numel(x.shape[2:])
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			off := (i*c + ch) * plane
			m, a := b.mul[ch], b.add[ch]
			for j, v := range x.data[off : off+plane] {
				out.data[off+j] = v*m + a
			}
		}
	}
	return out, nil
}

type padOp struct {
	top, left, bottom, right int
	value                    float32
}

func (p padOp) run(s *Session, in []*tensor) (*tensor, error) {
	x := in[0]
	if len(x.shape) != 4 {
		return nil, fmt.Errorf("input must be 4-D, is %v", x.shape)
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := h+p.top+p.bottom, w+p.left+p.right
	out := s.alloc(n, c, oh, ow)
	for plane := 0; plane < n*c; plane++ {
		dst := out.data[plane*oh*ow : (plane+1)*oh*ow]
		for i := range dst {
			dst[i] = p.value
		}
		src := x.data[plane*h*w:]
		for y := 0; y < h; y++ {
			copy(dst[(y+p.top)*ow+p.left:(y+p.top)*ow+p.left+w], src[y*w:(y+1)*w])
		}
	}
	return out, nil
}

// maxPoolInside is MaxPool when every window lies inside the input: no
// bounds checks per element, and the 2×2 stride-2 case unrolled.
func maxPoolInside(src, dst []float32, planes, h, wd, oh, ow int, w window) {
	for p := 0; p < planes; p++ {
		in := src[p*h*wd : (p+1)*h*wd]
		o := dst[p*oh*ow : (p+1)*oh*ow]
		if w.kh == 2 && w.kw == 2 && w.sh == 2 && w.sw == 2 {
			for oy := 0; oy < oh; oy++ {
				r0 := in[2*oy*wd : 2*oy*wd+wd]
				r1 := in[(2*oy+1)*wd : (2*oy+1)*wd+wd]
				line := o[oy*ow : (oy+1)*ow]
				for ox := range line {
					line[ox] = max(r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1])
				}
			}
			continue
		}
		for oy := 0; oy < oh; oy++ {
			line := o[oy*ow : (oy+1)*ow]
			for ox := range line {
				m := in[oy*w.sh*wd+ox*w.sw]
				for ki := 0; ki < w.kh; ki++ {
					row := in[(oy*w.sh+ki)*wd+ox*w.sw : (oy*w.sh+ki)*wd+ox*w.sw+w.kw]
					for _, v := range row {
						m = max(m, v)
					}
				}
				line[ox] = m
			}
		}
	}
}

// maxPoolClipped is MaxPool without dilation: per output row, the window's
// input rows are reduced with a vector max into one row, then each output
// takes the max of its clipped columns, so padding costs no check per
// element.
func maxPoolClipped(src, dst []float32, planes, h, wd, oh, ow int, w window) {
	row := make([]float32, wd)
	for p := 0; p < planes; p++ {
		in := src[p*h*wd : (p+1)*h*wd]
		o := dst[p*oh*ow : (p+1)*oh*ow]
		for oy := 0; oy < oh; oy++ {
			y0 := oy*w.sh - w.pt
			y1 := min(y0+w.kh, h)
			y0 = max(y0, 0)
			line := o[oy*ow : (oy+1)*ow]
			if y1 <= y0 {
				for i := range line {
					line[i] = float32(math.Inf(-1))
				}
				continue
			}
			copy(row, in[y0*wd:(y0+1)*wd])
			for y := y0 + 1; y < y1; y++ {
				gemm.Max(row, in[y*wd:(y+1)*wd])
			}
			for ox := range line {
				x0 := ox*w.sw - w.pl
				x1 := min(x0+w.kw, wd)
				x0 = max(x0, 0)
				m := float32(math.Inf(-1))
				for _, v := range row[x0:x1] {
					if v > m {
						m = v
					}
				}
				line[ox] = m
			}
		}
	}
}
